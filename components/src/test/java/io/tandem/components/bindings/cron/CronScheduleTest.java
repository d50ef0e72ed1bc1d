package io.tandem.components.bindings.cron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CronScheduleTest {
  private static final ZoneId UTC = ZoneOffset.UTC;

  private static Instant next(String schedule, String after) {
    return CronSchedule.parse(schedule, UTC).next(Instant.parse(after));
  }

  @ParameterizedTest(name = "{0} after {1} is {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        // six fields, with seconds
        "*/15 * * * * *       | 2024-01-01T00:00:07Z     | 2024-01-01T00:00:15Z",
        "*/15 * * * * *       | 2024-01-01T00:00:15Z     | 2024-01-01T00:00:30Z",
        "*/15 * * * * *       | 2024-01-01T00:00:59.500Z | 2024-01-01T00:01:00Z",
        "30 * * * * *         | 2024-01-01T00:00:30Z     | 2024-01-01T00:01:30Z",
        "0 15 * * * *         | 2024-01-01T10:20:00Z     | 2024-01-01T11:15:00Z",
        "0 30 3-6,20-23 * * * | 2024-01-01T06:29:59Z     | 2024-01-01T06:30:00Z",
        "0 30 3-6,20-23 * * * | 2024-01-01T06:30:00Z     | 2024-01-01T20:30:00Z",
        "5/20 * * * * *       | 2024-01-01T00:00:26Z     | 2024-01-01T00:00:45Z",
        "5/20 * * * * *       | 2024-01-01T00:00:45Z     | 2024-01-01T00:01:05Z",
        // five fields: minute hour dom month dow, seconds are 0
        "30 4 * * *           | 2024-03-10T05:00:00Z     | 2024-03-11T04:30:00Z",
        "* * * * *            | 2024-03-10T05:00:00Z     | 2024-03-10T05:01:00Z",
        "*/5 * * * ?          | 2024-03-10T05:03:10Z     | 2024-03-10T05:05:00Z",
        // names, and 0 and 7 both meaning Sunday (2024-01-01 is a Monday)
        "0 0 12 * * sun       | 2024-01-01T00:00:00Z     | 2024-01-07T12:00:00Z",
        "0 0 12 * * 7         | 2024-01-01T00:00:00Z     | 2024-01-07T12:00:00Z",
        "0 0 12 * * 0         | 2024-01-01T00:00:00Z     | 2024-01-07T12:00:00Z",
        "0 0 12 * * Mon-Fri   | 2024-01-05T12:00:00Z     | 2024-01-08T12:00:00Z",
        "0 0 0 1 jan,JUL *    | 2024-02-01T00:00:00Z     | 2024-07-01T00:00:00Z",
        // both day fields restricted: either matches; one a star: both must
        "0 0 0 13 * fri       | 2024-01-01T00:00:00Z     | 2024-01-05T00:00:00Z",
        "0 0 0 13 * fri       | 2024-01-05T00:00:00Z     | 2024-01-12T00:00:00Z",
        "0 0 0 13 * fri       | 2024-01-12T00:00:00Z     | 2024-01-13T00:00:00Z",
        "0 0 0 13 * *         | 2024-01-01T00:00:00Z     | 2024-01-13T00:00:00Z",
        "0 0 0 * * fri        | 2024-01-01T00:00:00Z     | 2024-01-05T00:00:00Z",
        "0 0 0 29 2 *         | 2023-03-01T00:00:00Z     | 2024-02-29T00:00:00Z",
        // descriptors
        "@hourly              | 2024-01-01T10:15:30Z     | 2024-01-01T11:00:00Z",
        "@daily               | 2024-02-28T13:00:00Z     | 2024-02-29T00:00:00Z",
        "@midnight            | 2024-02-28T13:00:00Z     | 2024-02-29T00:00:00Z",
        "@weekly              | 2024-01-03T08:00:00Z     | 2024-01-07T00:00:00Z",
        "@monthly             | 2024-01-31T12:00:00Z     | 2024-02-01T00:00:00Z",
        "@yearly              | 2024-06-01T00:00:00Z     | 2025-01-01T00:00:00Z",
        "@annually            | 2024-06-01T00:00:00Z     | 2025-01-01T00:00:00Z",
      })
  void nextFiringTime(String schedule, String after, String expected) {
    assertThat(next(schedule, after)).isEqualTo(Instant.parse(expected));
  }

  @Test
  void everyAddsItsIntervalToTheGivenTime() {
    CronSchedule s = CronSchedule.parse("@every 1h30m", UTC);
    Instant t = Instant.parse("2024-01-01T10:15:30.250Z");
    assertThat(s.interval()).isEqualTo(Duration.ofMinutes(90));
    assertThat(s.next(t)).isEqualTo(Instant.parse("2024-01-01T11:45:30.250Z"));
    assertThat(s.next(s.next(t))).isEqualTo(Instant.parse("2024-01-01T13:15:30.250Z"));

    assertThat(CronSchedule.parse("@every 15s", UTC).interval()).isEqualTo(Duration.ofSeconds(15));
    assertThat(CronSchedule.parse("@every 500ms", UTC).interval())
        .isEqualTo(Duration.ofMillis(500));
    assertThat(CronSchedule.parse("  @every 2m  ", UTC).interval())
        .isEqualTo(Duration.ofMinutes(2));
    assertThat(CronSchedule.parse("0 * * * * *", UTC).interval()).isNull();
  }

  @Test
  void consecutiveFiringsOfASecondsScheduleAreOneSecondApart() {
    CronSchedule s = CronSchedule.parse("* * * * * *", UTC);
    Instant t = Instant.parse("2024-01-01T00:00:00.700Z");
    Instant first = s.next(t);
    assertThat(first).isEqualTo(Instant.parse("2024-01-01T00:00:01Z"));
    assertThat(s.next(first)).isEqualTo(Instant.parse("2024-01-01T00:00:02Z"));
  }

  @Test
  void impossibleDateNeverFires() {
    assertThat(next("0 0 0 30 2 *", "2024-01-01T00:00:00Z")).isNull();
    assertThat(next("0 0 0 31 4,6,9,11 *", "2024-01-01T00:00:00Z")).isNull();
  }

  @Test
  void timeZonePrefixReadsFieldsInThatZone() {
    // New York is UTC-5 in January and UTC-4 in July
    CronSchedule s = CronSchedule.parse("CRON_TZ=America/New_York 0 30 04 * * *", UTC);
    assertThat(s.zone()).isEqualTo(ZoneId.of("America/New_York"));
    assertThat(s.next(Instant.parse("2024-01-15T00:00:00Z")))
        .isEqualTo(Instant.parse("2024-01-15T09:30:00Z"));
    assertThat(s.next(Instant.parse("2024-07-15T00:00:00Z")))
        .isEqualTo(Instant.parse("2024-07-15T08:30:00Z"));
    assertThat(
            CronSchedule.parse("TZ=Asia/Tokyo @daily", UTC)
                .next(Instant.parse("2024-01-01T00:00:00Z")))
        .isEqualTo(Instant.parse("2024-01-01T15:00:00Z"));
  }

  @Test
  void defaultZoneAppliesWithoutPrefix() {
    CronSchedule s = CronSchedule.parse("0 0 9 * * *", ZoneId.of("Europe/Paris"));
    assertThat(s.next(Instant.parse("2024-01-15T00:00:00Z")))
        .isEqualTo(Instant.parse("2024-01-15T08:00:00Z"));
  }

  @Test
  void localTimeSkippedBySpringForwardDoesNotFire() {
    // Berlin skips 02:00-03:00 on 2024-03-31
    CronSchedule s = CronSchedule.parse("0 30 2 * * *", ZoneId.of("Europe/Berlin"));
    assertThat(s.next(Instant.parse("2024-03-30T12:00:00Z")))
        .isEqualTo(Instant.parse("2024-04-01T00:30:00Z"));
  }

  @Test
  void localTimeRepeatedByFallBackFiresOnce() {
    // Berlin repeats 02:00-03:00 on 2024-10-27 (02:30 CEST = 00:30Z, 02:30 CET = 01:30Z)
    CronSchedule s = CronSchedule.parse("0 30 2 * * *", ZoneId.of("Europe/Berlin"));
    Instant first = s.next(Instant.parse("2024-10-26T12:00:00Z"));
    assertThat(first).isEqualTo(Instant.parse("2024-10-27T00:30:00Z"));
    assertThat(s.next(first)).isEqualTo(Instant.parse("2024-10-28T01:30:00Z"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "   ",
        "* * * *",
        "* * * * * * *",
        "60 * * * * *",
        "* 60 * * * *",
        "* * 24 * * *",
        "* * * 0 * *",
        "* * * 32 * *",
        "* * * * 13 *",
        "* * * * * 8",
        "5-3 * * * *",
        "*/0 * * * *",
        "1-2-3 * * * *",
        "1/2/3 * * * *",
        "abc * * * *",
        "-1 * * * *",
        "*-5 * * * *",
        "@every",
        "@every soon",
        "@every -1s",
        "@every 0s",
        "@fortnightly",
        "CRON_TZ=Nowhere/City * * * * *",
        "CRON_TZ=UTC"
      })
  void malformedSchedulesAreRefused(String schedule) {
    assertThatThrownBy(() -> CronSchedule.parse(schedule, UTC))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("null");
  }

  @Test
  void errorsSayWhatIsWrong() {
    assertThatThrownBy(() -> CronSchedule.parse("* * * *", UTC))
        .hasMessageContaining("expected 5 or 6 fields")
        .hasMessageContaining("found 4");
    assertThatThrownBy(() -> CronSchedule.parse("0 0 25 * * *", UTC))
        .hasMessageContaining("above maximum (23)");
    assertThatThrownBy(() -> CronSchedule.parse("CRON_TZ=Nowhere/City * * * * *", UTC))
        .hasMessageContaining("Nowhere/City");
  }
}
