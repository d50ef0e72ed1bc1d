package io.tandem.components.secrets.localfile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentException.Reason;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.secrets.SecretStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code secretstores.local.file} reading JSON files from a temporary directory. */
class LocalFileSecretStoreIT {
  private static final String SECRETS =
      """
      {
        "redisPassword": "redis-pw",
        "connectionStrings": {
          "sql": "Server=sql",
          "mysql": "Server=mysql"
        },
        "db": {
          "primary": { "host": "db1", "port": 5432 },
          "user": "admin"
        },
        "ratio": 1.50,
        "enabled": true,
        "nothing": null,
        "hosts": ["a", 2]
      }
      """;

  @TempDir Path dir;

  @Test
  void nestedKeysAreFlattenedWithTheDefaultSeparator() throws Exception {
    LocalFileSecretStore store = store(Map.of("secretsFile", write("secrets.json", SECRETS)));

    assertThat(get(store, "redisPassword")).isEqualTo(Map.of("redisPassword", "redis-pw"));
    assertThat(get(store, "connectionStrings:sql"))
        .isEqualTo(Map.of("connectionStrings:sql", "Server=sql"));
    assertThat(get(store, "db:primary:host")).isEqualTo(Map.of("db:primary:host", "db1"));
    assertThat(failure(store.getSecret("connectionStrings", Map.of())).reason())
        .isEqualTo(Reason.NOT_FOUND);
  }

  @Test
  void aCustomSeparatorJoinsNestedKeys() throws Exception {
    LocalFileSecretStore store =
        store(Map.of("secretsFile", write("secrets.json", SECRETS), "nestedSeparator", "."));

    assertThat(get(store, "connectionStrings.mysql"))
        .isEqualTo(Map.of("connectionStrings.mysql", "Server=mysql"));
    assertThat(get(store, "db.primary.port")).isEqualTo(Map.of("db.primary.port", "5432"));
    assertThat(failure(store.getSecret("connectionStrings:mysql", Map.of())).reason())
        .isEqualTo(Reason.NOT_FOUND);
  }

  @Test
  void scalarsThatAreNotStringsBecomeTheirText() throws Exception {
    LocalFileSecretStore store = store(Map.of("secretsFile", write("secrets.json", SECRETS)));

    assertThat(get(store, "db:primary:port")).containsEntry("db:primary:port", "5432");
    assertThat(get(store, "ratio")).containsEntry("ratio", "1.50");
    assertThat(get(store, "enabled")).containsEntry("enabled", "true");
    assertThat(get(store, "nothing")).containsEntry("nothing", "");
    assertThat(get(store, "hosts:0")).containsEntry("hosts:0", "a");
    assertThat(get(store, "hosts:1")).containsEntry("hosts:1", "2");
  }

  @Test
  void bulkReturnsEveryFlattenedSecret() throws Exception {
    LocalFileSecretStore store = store(Map.of("secretsFile", write("secrets.json", SECRETS)));

    Map<String, Map<String, String>> all =
        store.bulkGetSecret(Map.of()).toCompletableFuture().get();

    assertThat(all)
        .containsOnlyKeys(
            "redisPassword",
            "connectionStrings:sql",
            "connectionStrings:mysql",
            "db:primary:host",
            "db:primary:port",
            "db:user",
            "ratio",
            "enabled",
            "nothing",
            "hosts:0",
            "hosts:1")
        .containsEntry("db:user", Map.of("db:user", "admin"));
    assertThat(store.features()).isEmpty();
  }

  @Test
  void multiValuedMakesEachTopLevelKeyASecret() throws Exception {
    LocalFileSecretStore store =
        store(Map.of("secretsFile", write("secrets.json", SECRETS), "multiValued", "true"));

    assertThat(get(store, "connectionStrings"))
        .isEqualTo(Map.of("sql", "Server=sql", "mysql", "Server=mysql"));
    assertThat(get(store, "redisPassword")).isEqualTo(Map.of("redisPassword", "redis-pw"));
    assertThat(get(store, "ratio")).isEqualTo(Map.of("ratio", "1.50"));
    assertThat(get(store, "hosts")).isEqualTo(Map.of("0", "a", "1", "2"));
    assertThat(failure(store.getSecret("connectionStrings:sql", Map.of())).reason())
        .isEqualTo(Reason.NOT_FOUND);
    assertThat(store.features())
        .containsExactly(SecretStore.FEATURE_MULTIPLE_KEY_VALUES_PER_SECRET);
  }

  @Test
  void multiValuedFlattensDeeperLevelsWithTheSeparator() throws Exception {
    LocalFileSecretStore store =
        store(
            Map.of(
                "secretsFile",
                write("secrets.json", SECRETS),
                "multiValued",
                "true",
                "nestedSeparator",
                "/"));

    assertThat(get(store, "db"))
        .isEqualTo(Map.of("primary/host", "db1", "primary/port", "5432", "user", "admin"));
    Map<String, Map<String, String>> all =
        store.bulkGetSecret(Map.of()).toCompletableFuture().get();
    assertThat(all)
        .containsOnlyKeys(
            "redisPassword", "connectionStrings", "db", "ratio", "enabled", "nothing", "hosts")
        .containsEntry("connectionStrings", Map.of("sql", "Server=sql", "mysql", "Server=mysql"));
  }

  @Test
  void aMissingSecretIsNotFound() throws Exception {
    LocalFileSecretStore store = store(Map.of("secretsFile", write("secrets.json", SECRETS)));

    ComponentException e = failure(store.getSecret("nope", Map.of()));

    assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND);
    assertThat(e.getMessage()).isEqualTo("secret nope not found");
  }

  @Test
  void aMalformedFileIsRefusedAtInitNamingTheFile() throws Exception {
    String file = write("broken.json", "{\"a\": \"b\",");

    assertInvalid(Map.of("secretsFile", file)).hasMessageContaining(file);
  }

  @Test
  void trailingGarbageMakesTheFileMalformed() throws Exception {
    String file = write("trailing.json", "{\"a\": \"b\"} {\"c\": 1}");

    assertInvalid(Map.of("secretsFile", file)).hasMessageContaining(file);
  }

  @Test
  void aFileThatIsNotAJsonObjectIsRefused() throws Exception {
    String file = write("array.json", "[\"a\", \"b\"]");

    assertInvalid(Map.of("secretsFile", file)).hasMessageContaining(file);
  }

  @Test
  void aMissingFileIsRefusedAtInitNamingTheFile() {
    String file = dir.resolve("absent.json").toString();

    assertInvalid(Map.of("secretsFile", file)).hasMessageContaining(file);
  }

  @Test
  void aMissingSecretsFileKeyIsRefused() {
    assertInvalid(Map.of("nestedSeparator", ":")).hasMessageContaining("secretsFile");
  }

  @Test
  void aRelativePathResolvesAgainstTheWorkingDirectory() throws Exception {
    Path cwd = Path.of("").toAbsolutePath();
    Path file = Files.createTempFile(cwd.resolve("target"), "secrets-", ".json");
    try {
      Files.writeString(file, "{\"relative\": \"found\"}");
      String relative = cwd.relativize(file).toString();
      assertThat(Path.of(relative).isAbsolute()).isFalse();

      LocalFileSecretStore store = store(Map.of("secretsFile", relative));

      assertThat(get(store, "relative")).isEqualTo(Map.of("relative", "found"));
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private String write(String name, String content) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, content, StandardCharsets.UTF_8);
    return file.toString();
  }

  private static LocalFileSecretStore store(Map<String, String> metadata) {
    LocalFileSecretStore store = new LocalFileSecretStore();
    store.init(new ComponentMetadata("filestore", new HashMap<>(metadata)), context());
    return store;
  }

  private static ComponentContext context() {
    return ComponentContext.of("app", "", Runnable::run, Map.of());
  }

  private static AbstractThrowableAssert<?, ? extends Throwable> assertInvalid(
      Map<String, String> metadata) {
    return assertThatThrownBy(() -> store(metadata))
        .isInstanceOfSatisfying(
            ComponentException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.INVALID_ARGUMENT));
  }

  private static Map<String, String> get(SecretStore store, String name) throws Exception {
    return store.getSecret(name, Map.of()).toCompletableFuture().get();
  }

  private static ComponentException failure(CompletionStage<?> stage) {
    try {
      stage.toCompletableFuture().get();
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(ComponentException.class);
      return (ComponentException) e.getCause();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    throw new AssertionError("expected the lookup to fail, but it succeeded");
  }
}
