package io.tandem.components.postgresql.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.components.ComponentException;
import io.tandem.components.ComponentException.Reason;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.state.StateStore;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PostgresStateStoreTest {
  private static Duration cleanup(Map<String, String> md) {
    return PostgresStateStore.cleanupInterval(new ComponentMetadata("s", md));
  }

  @Test
  void cleanupIntervalFollowsDaprsRules() {
    assertThat(cleanup(Map.of())).isEqualTo(Duration.ofHours(1));
    assertThat(cleanup(Map.of("cleanupInterval", ""))).isEqualTo(Duration.ofHours(1));
    assertThat(cleanup(Map.of("cleanupInterval", "10m"))).isEqualTo(Duration.ofMinutes(10));
    assertThat(cleanup(Map.of("cleanupInterval", "90"))).isEqualTo(Duration.ofSeconds(90));
    assertThat(cleanup(Map.of("cleanupIntervalInSeconds", "30"))).isEqualTo(Duration.ofSeconds(30));
    assertThat(cleanup(Map.of("cleanupInterval", "0"))).isNull();
    assertThat(cleanup(Map.of("cleanupInterval", "-1"))).isNull();
    assertThat(cleanup(Map.of("cleanupIntervalInSeconds", "-5"))).isNull();
    assertThatThrownBy(() -> cleanup(Map.of("cleanupInterval", "hourly")))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("'cleanupInterval'");
  }

  @Test
  void etagsAreUnsigned32BitNumbers() {
    assertThat(PostgresStateStore.etag("42")).isEqualTo("42");
    assertThat(PostgresStateStore.etag(" 007 ")).isEqualTo("7");
    assertThat(PostgresStateStore.etag("4294967295")).isEqualTo("4294967295");
    for (String bad : new String[] {"-1", "4294967296", "abc", "1.5", ""}) {
      assertThatThrownBy(() -> PostgresStateStore.etag(bad))
          .isInstanceOfSatisfying(
              ComponentException.class, e -> assertThat(e.reason()).isEqualTo(Reason.ETAG_INVALID));
    }
  }

  @Test
  void featuresAreWhatTheSuiteProves() {
    assertThat(new PostgresStateStore().features())
        .containsExactlyInAnyOrder(
            StateStore.FEATURE_ETAG, StateStore.FEATURE_TRANSACTIONAL, StateStore.FEATURE_TTL);
  }

  @Test
  void aBadTableNameIsRefusedAtInitNamingTheKey() {
    PostgresStateStore s = new PostgresStateStore();
    assertThatThrownBy(
            () ->
                s.init(
                    new ComponentMetadata(
                        "s",
                        Map.of(
                            "connectionString",
                            "host=127.0.0.1 port=1",
                            "tableName",
                            "state; DROP TABLE users; --")),
                    io.tandem.components.ComponentContext.of("app", "", Runnable::run, Map.of())))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("'tableName'");
  }
}
