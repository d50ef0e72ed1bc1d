package io.tandem.components;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Go-style durations and bare seconds. */
class DurationsTest {

  @Test
  void goUnitsAndTheirCombinations() {
    assertThat(Durations.parse("20s")).isEqualTo(Duration.ofSeconds(20));
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(Durations.parse("2h45m30s250ms"))
        .isEqualTo(Duration.ofHours(2).plusMinutes(45).plusSeconds(30).plusMillis(250));
    assertThat(Durations.parse("3us")).isEqualTo(Duration.ofNanos(3_000));
    assertThat(Durations.parse("3µs")).isEqualTo(Duration.ofNanos(3_000));
    assertThat(Durations.parse("7ns")).isEqualTo(Duration.ofNanos(7));
  }

  @Test
  void fractionsAreExact() {
    assertThat(Durations.parse("1.5h")).isEqualTo(Duration.ofMinutes(90));
    assertThat(Durations.parse(".5s")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("1.s")).isEqualTo(Duration.ofSeconds(1));
    // 1000h and one nanosecond: a double would lose the nanosecond.
    assertThat(Durations.parse("1000h1ns")).isEqualTo(Duration.ofHours(1000).plusNanos(1));
  }

  @Test
  void bareIntegersAreSeconds() {
    assertThat(Durations.parse("30")).isEqualTo(Duration.ofSeconds(30));
    assertThat(Durations.parse("0")).isEqualTo(Duration.ZERO);
    assertThat(Durations.parse(" 15 ")).isEqualTo(Duration.ofSeconds(15));
  }

  @Test
  void signs() {
    assertThat(Durations.parse("-1")).isEqualTo(Duration.ofSeconds(-1));
    assertThat(Durations.parse("-1h")).isEqualTo(Duration.ofHours(-1));
    assertThat(Durations.parse("+2m")).isEqualTo(Duration.ofMinutes(2));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "-", "+", "abc", "5x", "1h 30m", "h", "1.5", "--1s", "3 s"})
  void malformedTextIsRefused(String text) {
    assertThatThrownBy(() -> Durations.parse(text)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void durationsBeyondTheRangeAreRefused() {
    assertThatThrownBy(() -> Durations.parse("3000000h"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Durations.parse("99999999999999999999"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
