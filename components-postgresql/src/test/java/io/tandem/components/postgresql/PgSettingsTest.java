package io.tandem.components.postgresql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PgSettingsTest {
  private static PgSettings settings(String... keyValues) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      m.put(keyValues[i], keyValues[i + 1]);
    }
    return PgSettings.from(new ComponentMetadata("pg", m), Map.of());
  }

  @Test
  void defaultsAreDaprs() {
    PgSettings s = settings("connectionString", "host=h user=u");

    assertThat(s.timeout()).isEqualTo(Duration.ofSeconds(20));
    assertThat(s.maxConns()).isGreaterThanOrEqualTo(4);
    assertThat(s.maxIdleTime()).isZero();
    assertThat(s.cacheStatements()).isTrue();
  }

  @Test
  void timeoutIsADurationOrSecondsAndAtLeastOneSecond() {
    assertThat(settings("connectionString", "host=h", "timeout", "30s").timeout())
        .isEqualTo(Duration.ofSeconds(30));
    assertThat(settings("connectionString", "host=h", "timeoutInSeconds", "45").timeout())
        .isEqualTo(Duration.ofSeconds(45));
    assertThatThrownBy(() -> settings("connectionString", "host=h", "timeout", "500ms"))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("'timeout'");
    assertThatThrownBy(() -> settings("connectionString", "host=h", "timeout", "soon"))
        .hasMessageContaining("'timeout'");
  }

  @Test
  void poolSizeAndIdleTime() {
    assertThat(settings("connectionString", "host=h", "maxConns", "12").maxConns()).isEqualTo(12);
    assertThat(settings("connectionString", "host=h pool_max_conns=9").maxConns()).isEqualTo(9);
    assertThat(settings("connectionString", "host=h", "connectionMaxIdleTime", "5m").maxIdleTime())
        .isEqualTo(Duration.ofMinutes(5));
    assertThatThrownBy(() -> settings("connectionString", "host=h", "maxConns", "many"))
        .hasMessageContaining("'maxConns'");
  }

  @Test
  void queryExecModeChoosesStatementCaching() {
    assertThat(settings("connectionString", "host=h", "queryExecMode", "exec").cacheStatements())
        .isFalse();
    assertThat(
            settings("connectionString", "host=h", "queryExecMode", "simple_protocol")
                .connectOptions()
                .getUseLayer7Proxy())
        .isTrue();
    assertThatThrownBy(() -> settings("connectionString", "host=h", "queryExecMode", "fast"))
        .hasMessageContaining("'queryExecMode'");
  }

  @Test
  void theServerAbandonsStatementsSoonAfterTheTimeout() {
    assertThat(
            settings("connectionString", "host=h", "timeout", "5s")
                .connectOptions()
                .getProperties())
        .containsEntry("statement_timeout", "6000");
    assertThat(
            settings("connectionString", "host=h statement_timeout=0")
                .connectOptions()
                .getProperties())
        .containsEntry("statement_timeout", "0");
  }

  @Test
  void aConnectionStringOrHostIsRequired() {
    assertThatThrownBy(() -> settings("tableName", "t"))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("'connectionString' is required");
    assertThat(settings("host", "h", "user", "u").connection().connectHost()).isEqualTo("h");
  }

  @Test
  void cloudIdentitiesAreRefused() {
    assertThatThrownBy(() -> settings("connectionString", "host=h", "useAzureAD", "true"))
        .hasMessageContaining("'useAzureAD'");
    assertThatThrownBy(() -> settings("connectionString", "host=h", "useAWSIAM", "true"))
        .hasMessageContaining("'useAWSIAM'");
  }

  @Test
  void separateKeysOverrideTheString() {
    PgSettings s =
        settings(
            "connectionString", "postgres://u:old@h:1/db",
            "password", "new-secret",
            "port", "5433",
            "database", "other");

    assertThat(s.connectOptions().getPassword()).isEqualTo("new-secret");
    assertThat(s.connectOptions().getPort()).isEqualTo(5433);
    assertThat(s.connectOptions().getDatabase()).isEqualTo("other");
    assertThat(s.toString()).doesNotContain("new-secret").doesNotContain("old");
    assertThatThrownBy(() -> settings("connectionString", "host=h", "port", "0"))
        .hasMessageContaining("component pg")
        .hasMessageContaining("metadata 'port'");
  }
}
