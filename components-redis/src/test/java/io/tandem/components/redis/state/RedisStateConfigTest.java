package io.tandem.components.redis.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.components.ComponentException;
import io.tandem.components.ComponentException.Reason;
import io.tandem.components.ComponentMetadata;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RedisStateConfigTest {
  private static RedisStateConfig config(String... keyValues) {
    Map<String, String> md = new HashMap<>();
    md.put("redisHost", "localhost:6379");
    for (int i = 0; i < keyValues.length; i += 2) {
      md.put(keyValues[i], keyValues[i + 1]);
    }
    return RedisStateConfig.from(new ComponentMetadata("statestore", md));
  }

  private static void assertRefused(String key, String value) {
    assertThatThrownBy(() -> config(key, value))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining(key)
        .satisfies(
            e -> assertThat(((ComponentException) e).reason()).isEqualTo(Reason.INVALID_ARGUMENT));
  }

  @Test
  void defaultsAreDaprs() {
    RedisStateConfig c = config();

    assertThat(c.defaultTtlSeconds()).isZero();
    assertThat(c.readTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(c.writeTimeout()).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void ttlInSecondsIsTheDefaultTtlAndMinusOneMeansNone() {
    assertThat(config("ttlInSeconds", "600").defaultTtlSeconds()).isEqualTo(600);
    assertThat(config("ttlInSeconds", "-1").defaultTtlSeconds()).isZero();
    assertThat(config("ttlInSeconds", "0").defaultTtlSeconds()).isZero();
  }

  @Test
  void writeTimeoutDefaultsToReadTimeoutAndMinusOneMeansNoLimit() {
    RedisStateConfig c = config("readTimeout", "250ms");
    assertThat(c.writeTimeout()).isEqualTo(Duration.ofMillis(250));

    RedisStateConfig unlimited = config("readTimeout", "-1", "writeTimeout", "2s");
    assertThat(unlimited.readTimeout()).isNull();
    assertThat(unlimited.writeTimeout()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void badValuesAreRefusedNamingTheKey() {
    assertRefused("ttlInSeconds", "soon");
    assertRefused("ttlInSeconds", "-2");
    assertRefused("readTimeout", "fast");
    assertRefused("writeTimeout", "3 parsecs");
    assertRefused("redisHost", "no-port");
    assertRefused("redisDB", "-1");
  }

  @Test
  void whatTandemDoesNotOfferIsRefusedRatherThanIgnored() {
    assertRefused("queryIndexes", "[{\"name\":\"orders\",\"indexes\":[]}]");
    assertRefused("useEntraID", "true");
    assertRefused("useOIDC", "true");
  }

  @Test
  void theDescriptionNeverShowsThePassword() {
    RedisStateConfig c = config("redisPassword", "p@ss word!");

    assertThat(c.toString()).doesNotContain("p@ss");
    assertThat(c.redact("AUTH p@ss word! failed; uri redis://:p%40ss%20word%21@h"))
        .doesNotContain("p@ss")
        .doesNotContain("p%40ss");
  }
}
