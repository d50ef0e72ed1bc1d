package io.tandem.components.secrets.localfile;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.secrets.SecretStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code secretstores.local.file}: secrets read once, at init, from a JSON file. Metadata keys are
 * Dapr's: {@code secretsFile} (required; a relative path resolves against the working directory),
 * {@code nestedSeparator} (default {@code :}) and {@code multiValued} (default false).
 *
 * <p>Single-valued (the default), the JSON is flattened: nested keys are joined with the separator
 * and array elements are named by their index, so {@code {"db": {"password": "x"}}} holds the
 * secret {@code db:password} whose map is {@code {"db:password": "x"}}. Multi-valued, each
 * top-level key is one secret: an object (or array) becomes the secret's map, deeper levels
 * flattened with the separator; a scalar becomes {@code {name: value}}. Numbers and booleans become
 * their JSON text, {@code null} the empty string.
 */
public final class LocalFileSecretStore implements SecretStore {
  private static final Logger LOG =
      LoggerFactory.getLogger("tandem.components.secretstores.local.file");

  static final String SECRETS_FILE = "secretsFile";
  static final String NESTED_SEPARATOR = "nestedSeparator";
  static final String MULTI_VALUED = "multiValued";

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
          .build();

  private volatile Map<String, Map<String, String>> secrets = Map.of();
  private volatile boolean multiValued;

  @Override
  public void init(ComponentMetadata metadata, ComponentContext context) {
    Path file = Path.of(metadata.required(SECRETS_FILE)).toAbsolutePath();
    String separator = metadata.get(NESTED_SEPARATOR, ":");
    boolean multi = metadata.getBoolean(MULTI_VALUED, false);
    JsonNode root = read(metadata.name(), file);
    Map<String, Map<String, String>> all = new LinkedHashMap<>();
    if (multi) {
      root.fields()
          .forEachRemaining(
              field -> {
                JsonNode value = field.getValue();
                Map<String, String> pairs = new LinkedHashMap<>();
                if (value.isContainerNode()) {
                  flatten(null, value, separator, pairs);
                } else {
                  pairs.put(field.getKey(), text(value));
                }
                all.put(field.getKey(), Collections.unmodifiableMap(pairs));
              });
    } else {
      Map<String, String> flat = new LinkedHashMap<>();
      flatten(null, root, separator, flat);
      flat.forEach((name, value) -> all.put(name, Map.of(name, value)));
    }
    this.secrets = Collections.unmodifiableMap(all);
    this.multiValued = multi;
    LOG.info(
        "component {}: {} secrets read from {} (multiValued {}, nestedSeparator '{}')",
        metadata.name(),
        all.size(),
        file,
        multi,
        separator);
  }

  @Override
  public Set<String> features() {
    return multiValued ? Set.of(FEATURE_MULTIPLE_KEY_VALUES_PER_SECRET) : Set.of();
  }

  @Override
  public CompletionStage<Map<String, String>> getSecret(String name, Map<String, String> metadata) {
    Map<String, String> secret = secrets.get(name);
    if (secret == null) {
      return CompletableFuture.failedFuture(
          new ComponentException(
              ComponentException.Reason.NOT_FOUND, "secret " + name + " not found"));
    }
    return CompletableFuture.completedFuture(secret);
  }

  @Override
  public CompletionStage<Map<String, Map<String, String>>> bulkGetSecret(
      Map<String, String> metadata) {
    return CompletableFuture.completedFuture(secrets);
  }

  private static JsonNode read(String component, Path file) {
    JsonNode root;
    try {
      root = JSON.readTree(Files.readAllBytes(file));
    } catch (JsonProcessingException e) {
      throw invalid(component, file, "is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw invalid(component, file, "cannot be read: " + e);
    }
    if (root == null || !root.isObject()) {
      throw invalid(component, file, "must hold a JSON object");
    }
    return root;
  }

  private static ComponentException invalid(String component, Path file, String problem) {
    return ComponentException.invalid(
        "component " + component + ": metadata '" + SECRETS_FILE + "': " + file + " " + problem);
  }

  /** Adds every scalar under {@code node} to {@code out}, named by its path. */
  private static void flatten(
      String path, JsonNode node, String separator, Map<String, String> out) {
    if (node.isObject()) {
      node.fields()
          .forEachRemaining(
              f -> flatten(join(path, f.getKey(), separator), f.getValue(), separator, out));
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        flatten(join(path, Integer.toString(i), separator), node.get(i), separator, out);
      }
    } else {
      out.put(path, text(node));
    }
  }

  private static String join(String path, String name, String separator) {
    return path == null ? name : path + separator + name;
  }

  private static String text(JsonNode scalar) {
    if (scalar.isNull()) {
      return "";
    }
    if (scalar.isBigDecimal()) {
      return scalar.decimalValue().toPlainString();
    }
    return scalar.asText();
  }
}
