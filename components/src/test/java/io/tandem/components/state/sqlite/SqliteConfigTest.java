package io.tandem.components.state.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.components.ComponentException;
import io.tandem.components.ComponentException.Reason;
import io.tandem.components.ComponentMetadata;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

/** Parsing of {@code state.sqlite} metadata, with Dapr's keys and defaults. */
class SqliteConfigTest {

  @Test
  void aPlainPathGetsDaprsDefaults() {
    SqliteConfig c = config(Map.of("connectionString", "data/state.db"));

    assertThat(c.jdbcUrl()).isEqualTo("jdbc:sqlite:data/state.db");
    assertThat(c.databaseFile()).isEqualTo(Path.of("data/state.db"));
    assertThat(c.inMemory()).isFalse();
    assertThat(c.pragmas()).isEmpty();
    assertThat(c.tableName()).isEqualTo("state");
    assertThat(c.metadataTableName()).isEqualTo("metadata");
    assertThat(c.timeout()).isEqualTo(Duration.ofSeconds(20));
    assertThat(c.cleanupInterval()).isEqualTo(Duration.ofHours(1));
    assertThat(c.cleanupEnabled()).isTrue();
    assertThat(c.busyTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.disableWal()).isFalse();
  }

  @Test
  void durationsAcceptGoSyntaxAndBareSeconds() {
    SqliteConfig c =
        config(
            Map.of(
                "connectionString", "s.db",
                "timeout", "30",
                "cleanupInterval", "1m30s",
                "busyTimeout", "150ms"));

    assertThat(c.timeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.cleanupInterval()).isEqualTo(Duration.ofSeconds(90));
    assertThat(c.busyTimeout()).isEqualTo(Duration.ofMillis(150));
  }

  @Test
  void zeroOrNegativeCleanupIntervalDisablesTheCleanup() {
    assertThat(config(Map.of("connectionString", "s.db", "cleanupInterval", "0")).cleanupEnabled())
        .isFalse();
    assertThat(config(Map.of("connectionString", "s.db", "cleanupInterval", "-1")).cleanupEnabled())
        .isFalse();
    assertThat(
            config(Map.of("connectionString", "s.db", "cleanupInterval", "-5m")).cleanupEnabled())
        .isFalse();
  }

  @Test
  void theOlderSecondsKeysAreStillRead() {
    SqliteConfig c =
        config(
            Map.of(
                "connectionString", "s.db",
                "timeoutInSeconds", "45",
                "cleanupIntervalInSeconds", "600"));

    assertThat(c.timeout()).isEqualTo(Duration.ofSeconds(45));
    assertThat(c.cleanupInterval()).isEqualTo(Duration.ofMinutes(10));
  }

  @Test
  void theCurrentKeyWinsOverTheOlderOne() {
    SqliteConfig c =
        config(Map.of("connectionString", "s.db", "timeout", "5s", "timeoutInSeconds", "45"));

    assertThat(c.timeout()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void keysAreMatchedWithoutRegardToCase() {
    SqliteConfig c =
        config(Map.of("ConnectionString", "s.db", "TABLENAME", "t1", "disablewal", "true"));

    assertThat(c.tableName()).isEqualTo("t1");
    assertThat(c.disableWal()).isTrue();
  }

  @Test
  void aFileUriKeepsSqliteParametersAndTakesDaprPragmas() {
    SqliteConfig c =
        config(
            Map.of(
                "connectionString",
                "file:data/state.db?_pragma=busy_timeout(5000)&_txlock=immediate&cache=private"
                    + "&_pragma=foreign_keys(1)"));

    assertThat(c.jdbcUrl()).isEqualTo("jdbc:sqlite:file:data/state.db?cache=private");
    assertThat(c.pragmas()).containsExactly("foreign_keys=1");
    assertThat(c.busyTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.databaseFile()).isEqualTo(Path.of("data/state.db"));
  }

  @Test
  void anAbsoluteFileUriIsDecoded() {
    SqliteConfig c = config(Map.of("connectionString", "file:///var/lib/my%20app/state.db"));

    assertThat(c.databaseFile()).isEqualTo(Path.of("/var/lib/my app/state.db"));
    assertThat(c.jdbcUrl()).isEqualTo("jdbc:sqlite:file:///var/lib/my%20app/state.db");
  }

  @Test
  void aFileUriOnLocalhostNamesALocalFile() {
    SqliteConfig c = config(Map.of("connectionString", "file://localhost/srv/state.db"));

    assertThat(c.databaseFile()).isEqualTo(Path.of("/srv/state.db"));
  }

  @Test
  void inMemoryDatabasesAreRecognised() {
    assertThat(config(Map.of("connectionString", ":memory:")).inMemory()).isTrue();
    SqliteConfig shared = config(Map.of("connectionString", "file::memory:?cache=shared"));
    assertThat(shared.inMemory()).isTrue();
    assertThat(shared.jdbcUrl()).isEqualTo("jdbc:sqlite:file::memory:?cache=shared");
    assertThat(config(Map.of("connectionString", "file:x.db?mode=memory")).inMemory()).isTrue();
  }

  @Test
  void aMissingConnectionStringIsRefused() {
    assertInvalid(Map.of("tableName", "state")).hasMessageContaining("connectionString");
  }

  @Test
  void aTableNameThatIsNotAnIdentifierIsRefused() {
    assertInvalid(Map.of("connectionString", "s.db", "tableName", "state; DROP TABLE x"))
        .hasMessageContaining("tableName");
    assertInvalid(Map.of("connectionString", "s.db", "metadataTableName", "meta\"data"))
        .hasMessageContaining("metadataTableName");
  }

  @Test
  void theStateAndMetadataTablesMustDiffer() {
    assertInvalid(Map.of("connectionString", "s.db", "tableName", "t", "metadataTableName", "T"))
        .hasMessageContaining("different");
  }

  @Test
  void aNonPositiveTimeoutIsRefused() {
    assertInvalid(Map.of("connectionString", "s.db", "timeout", "0"))
        .hasMessageContaining("timeout");
  }

  @Test
  void anUnparseableDurationIsRefusedNamingItsKey() {
    assertInvalid(Map.of("connectionString", "s.db", "busyTimeout", "soon"))
        .hasMessageContaining("busyTimeout");
  }

  @Test
  void aMalformedPragmaIsRefused() {
    assertInvalid(Map.of("connectionString", "file:s.db?_pragma=journal_mode=WAL"))
        .hasMessageContaining("_pragma");
  }

  @Test
  void aRemoteFileUriIsRefused() {
    assertInvalid(Map.of("connectionString", "file://fileserver/share/state.db"))
        .hasMessageContaining("fileserver");
  }

  private static SqliteConfig config(Map<String, String> properties) {
    return SqliteConfig.from(new ComponentMetadata("test", new HashMap<>(properties)));
  }

  private static AbstractThrowableAssert<?, ? extends Throwable> assertInvalid(
      Map<String, String> properties) {
    return assertThatThrownBy(() -> config(properties))
        .isInstanceOfSatisfying(
            ComponentException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.INVALID_ARGUMENT));
  }
}
