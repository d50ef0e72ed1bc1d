package io.tandem.components.secrets.localenv;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.secrets.SecretStore;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code secretstores.local.env}: each environment variable of the process (as {@link
 * ComponentContext#environment()} gives it) is a secret whose map is {@code {name: value}}.
 *
 * <p>With the optional metadata {@code prefix}, only variables whose names start with it are
 * visible, and names are given without it: {@code getSecret("DB")} reads {@code <prefix>DB}, and a
 * bulk read returns {@code DB}. Matching is case-sensitive.
 *
 * <p>As in Dapr, the runtime's own variables are never served: {@code APP_API_TOKEN} and every name
 * starting with {@code DAPR_}, in any case. They read as missing.
 */
public final class LocalEnvSecretStore implements SecretStore {
  private static final Logger LOG =
      LoggerFactory.getLogger("tandem.components.secretstores.local.env");

  static final String PREFIX = "prefix";

  private volatile Map<String, String> environment = Map.of();
  private volatile String prefix = "";

  @Override
  public void init(ComponentMetadata metadata, ComponentContext context) {
    this.environment = context.environment();
    this.prefix = metadata.get(PREFIX, "");
    LOG.info(
        "component {}: secrets from environment variables{}",
        metadata.name(),
        prefix.isEmpty() ? "" : " starting with " + prefix);
  }

  @Override
  public CompletionStage<Map<String, String>> getSecret(String name, Map<String, String> metadata) {
    String variable = prefix + name;
    String value = name.isEmpty() || !allowed(variable) ? null : environment.get(variable);
    if (value == null) {
      return CompletableFuture.failedFuture(
          new ComponentException(
              ComponentException.Reason.NOT_FOUND, "secret " + name + " not found"));
    }
    return CompletableFuture.completedFuture(Map.of(name, value));
  }

  @Override
  public CompletionStage<Map<String, Map<String, String>>> bulkGetSecret(
      Map<String, String> metadata) {
    Map<String, Map<String, String>> all = new TreeMap<>();
    environment.forEach(
        (variable, value) -> {
          if (variable.length() > prefix.length()
              && variable.startsWith(prefix)
              && allowed(variable)) {
            String name = variable.substring(prefix.length());
            all.put(name, Map.of(name, value));
          }
        });
    return CompletableFuture.completedFuture(all);
  }

  /** False for the variables that carry the runtime's own credentials and settings. */
  private static boolean allowed(String variable) {
    String upper = variable.toUpperCase(Locale.ROOT);
    return !upper.equals("APP_API_TOKEN") && !upper.startsWith("DAPR_");
  }
}
