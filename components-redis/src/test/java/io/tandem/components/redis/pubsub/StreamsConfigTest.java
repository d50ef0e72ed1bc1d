package io.tandem.components.redis.pubsub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.pubsub.BackOff;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StreamsConfigTest {
  private static StreamsConfig parse(Map<String, String> md) {
    return StreamsConfig.from(new ComponentMetadata("orders", md), "checkout");
  }

  @Test
  void defaultsAreDaprs() {
    StreamsConfig c = parse(Map.of());
    assertThat(c.consumerId()).isEqualTo("checkout");
    assertThat(c.processingTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.redeliverInterval()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.queueDepth()).isEqualTo(100);
    assertThat(c.concurrency()).isEqualTo(10);
    assertThat(c.maxLenApprox()).isZero();
    assertThat(c.streamTtl()).isZero();
    assertThat(c.reclaims()).isTrue();
    assertThat(c.backOff().policy()).isEqualTo(BackOff.Policy.EXPONENTIAL);
  }

  @Test
  void consumerIdOverridesTheAppId() {
    assertThat(parse(Map.of("consumerID", "billing")).consumerId()).isEqualTo("billing");
    assertThat(parse(Map.of("consumerid", "lower")).consumerId()).isEqualTo("lower");
  }

  @Test
  void bareNumbersAreMillisecondsAsInDapr() {
    StreamsConfig c = parse(Map.of("processingTimeout", "1500", "redeliverInterval", "250"));
    assertThat(c.processingTimeout()).isEqualTo(Duration.ofMillis(1500));
    assertThat(c.redeliverInterval()).isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void goDurationsAreAccepted() {
    StreamsConfig c =
        parse(Map.of("processingTimeout", "2m", "redeliverInterval", "30s", "streamTTL", "1h30m"));
    assertThat(c.processingTimeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(c.redeliverInterval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.streamTtl()).isEqualTo(Duration.ofMinutes(90));
  }

  @Test
  void streamTtlAcceptsDays() {
    assertThat(parse(Map.of("streamTTL", "30d")).streamTtl()).isEqualTo(Duration.ofDays(30));
  }

  @Test
  void zeroDisablesReclaiming() {
    assertThat(parse(Map.of("processingTimeout", "0")).reclaims()).isFalse();
    assertThat(parse(Map.of("redeliverInterval", "0s")).reclaims()).isFalse();
  }

  @Test
  void sizesAndCaps() {
    StreamsConfig c = parse(Map.of("queueDepth", "7", "concurrency", "3", "maxLenApprox", "10000"));
    assertThat(c.queueDepth()).isEqualTo(7);
    assertThat(c.concurrency()).isEqualTo(3);
    assertThat(c.maxLenApprox()).isEqualTo(10000);
  }

  @Test
  void badValuesNameTheirKey() {
    assertInvalid(Map.of("processingTimeout", "soon"), "processingTimeout");
    assertInvalid(Map.of("redeliverInterval", "-5s"), "redeliverInterval");
    assertInvalid(Map.of("queueDepth", "0"), "queueDepth");
    assertInvalid(Map.of("queueDepth", "many"), "queueDepth");
    assertInvalid(Map.of("concurrency", "-1"), "concurrency");
    assertInvalid(Map.of("maxLenApprox", "ten"), "maxLenApprox");
    assertInvalid(Map.of("maxLenApprox", "-3"), "maxLenApprox");
    assertInvalid(Map.of("streamTTL", "forever"), "streamTTL");
    assertInvalid(Map.of("backOffPolicy", "random"), "backOffPolicy");
  }

  @Test
  void anEmptyConsumerIdWithoutAppIdIsRefused() {
    assertThatThrownBy(() -> StreamsConfig.from(new ComponentMetadata("orders", Map.of()), ""))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("consumerID");
  }

  private static void assertInvalid(Map<String, String> md, String key) {
    assertThatThrownBy(() -> parse(md))
        .isInstanceOfSatisfying(
            ComponentException.class,
            e -> assertThat(e.reason()).isEqualTo(ComponentException.Reason.INVALID_ARGUMENT))
        .hasMessageContaining("'" + key + "'");
  }
}
