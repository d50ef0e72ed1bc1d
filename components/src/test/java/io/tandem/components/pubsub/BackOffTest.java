package io.tandem.components.pubsub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BackOffTest {
  @Test
  void defaultsAreDaprs() {
    BackOff b = BackOff.fromMetadata(new ComponentMetadata("p", Map.of()), BackOff.DAPR_DEFAULT);

    assertThat(b.policy()).isEqualTo(BackOff.Policy.CONSTANT);
    assertThat(b.delay(1)).isEqualTo(Duration.ofSeconds(5));
    assertThat(b.delay(7)).isEqualTo(Duration.ofSeconds(5));
    assertThat(b.exhausted(1_000_000)).isFalse();
  }

  @Test
  void exponentialGrowsUpToTheMaximum() {
    BackOff b =
        BackOff.fromMetadata(
            new ComponentMetadata(
                "p",
                Map.of(
                    "backOffPolicy", "Exponential",
                    "backOffInitialInterval", "100ms",
                    "backOffMultiplier", "2",
                    "backOffMaxInterval", "1s")),
            BackOff.DAPR_DEFAULT);

    assertThat(b.delay(1)).isEqualTo(Duration.ofMillis(100));
    assertThat(b.delay(2)).isEqualTo(Duration.ofMillis(200));
    assertThat(b.delay(4)).isEqualTo(Duration.ofMillis(800));
    assertThat(b.delay(5)).isEqualTo(Duration.ofSeconds(1));
    assertThat(b.delay(60)).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void maxRetriesCountsRedeliveriesAfterTheFirstAttempt() {
    BackOff b =
        BackOff.fromMetadata(
            new ComponentMetadata("p", Map.of("backOffMaxRetries", "2")), BackOff.DAPR_DEFAULT);

    assertThat(b.exhausted(2)).isFalse();
    assertThat(b.exhausted(3)).isTrue();
  }

  @Test
  void badValuesNameTheKey() {
    assertThatThrownBy(
            () ->
                BackOff.fromMetadata(
                    new ComponentMetadata("p", Map.of("backOffMultiplier", "fast")),
                    BackOff.DAPR_DEFAULT))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("backOffMultiplier");
    assertThatThrownBy(
            () ->
                BackOff.fromMetadata(
                    new ComponentMetadata("p", Map.of("backOffMultiplier", "0.5")),
                    BackOff.DAPR_DEFAULT))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("backOffMultiplier");
    assertThatThrownBy(
            () ->
                BackOff.fromMetadata(
                    new ComponentMetadata("p", Map.of("backOffDuration", "soon")),
                    BackOff.DAPR_DEFAULT))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("backOffDuration");
  }
}
