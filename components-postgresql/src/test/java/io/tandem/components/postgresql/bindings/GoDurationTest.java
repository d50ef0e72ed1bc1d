package io.tandem.components.postgresql.bindings;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class GoDurationTest {
  @Test
  void writesDurationsAsGoDoes() {
    assertThat(GoDuration.format(Duration.ZERO)).isEqualTo("0s");
    assertThat(GoDuration.format(Duration.ofNanos(12))).isEqualTo("12ns");
    assertThat(GoDuration.format(Duration.ofNanos(850_000))).isEqualTo("850µs");
    assertThat(GoDuration.format(Duration.ofNanos(1_500_000))).isEqualTo("1.5ms");
    assertThat(GoDuration.format(Duration.ofNanos(1_234_567))).isEqualTo("1.234567ms");
    assertThat(GoDuration.format(Duration.ofMillis(2500))).isEqualTo("2.5s");
    assertThat(GoDuration.format(Duration.ofSeconds(123, 500_000_000))).isEqualTo("2m3.5s");
    assertThat(GoDuration.format(Duration.ofHours(1))).isEqualTo("1h0m0s");
    assertThat(GoDuration.format(Duration.ofMillis(-1500))).isEqualTo("-1.5s");
  }
}
