package io.tandem.components.bindings.cron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CronInputBindingTest {
  private static final ComponentContext CONTEXT =
      ComponentContext.of("app", "", Runnable::run, Map.of());

  private static CronInputBinding init(Map<String, String> md) {
    CronInputBinding b = new CronInputBinding();
    b.init(new ComponentMetadata("tick", md), CONTEXT);
    return b;
  }

  @Test
  void parsesTheScheduleAtInit() {
    assertThat(init(Map.of("schedule", "@every 15m", "direction", "input")).schedule().interval())
        .isEqualTo(Duration.ofMinutes(15));
    assertThat(init(Map.of("Schedule", "0 30 * * * *")).schedule().text())
        .isEqualTo("0 30 * * * *");
  }

  @Test
  void missingScheduleIsRefusedNamingTheKey() {
    assertThatThrownBy(() -> init(Map.of()))
        .isInstanceOfSatisfying(
            ComponentException.class,
            e -> assertThat(e.reason()).isEqualTo(ComponentException.Reason.INVALID_ARGUMENT))
        .hasMessageContaining("'schedule' is required");
  }

  @Test
  void invalidScheduleIsRefusedWithTheReason() {
    assertThatThrownBy(() -> init(Map.of("schedule", "61 * * * * *")))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("invalid schedule format '61 * * * * *'")
        .hasMessageContaining("above maximum");
  }

  @Test
  void invalidDirectionIsRefused() {
    assertThatThrownBy(() -> init(Map.of("schedule", "@hourly", "direction", "sideways")))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("direction");
  }

  @Test
  void readAfterCloseFails() {
    CronInputBinding b = init(Map.of("schedule", "@hourly"));
    b.close();
    b.close();
    assertThatThrownBy(() -> b.read(e -> null)).isInstanceOf(ComponentException.class);
  }

  @Test
  void readTimeIsWrittenAsGoPrintsAUtcTime() {
    assertThat(CronInputBinding.goUtcString(Instant.parse("2024-03-05T07:08:09Z")))
        .isEqualTo("2024-03-05 07:08:09 +0000 UTC");
    assertThat(CronInputBinding.goUtcString(Instant.parse("2024-03-05T07:08:09.120Z")))
        .isEqualTo("2024-03-05 07:08:09.12 +0000 UTC");
    assertThat(CronInputBinding.goUtcString(Instant.parse("2024-12-31T23:59:59.000000001Z")))
        .isEqualTo("2024-12-31 23:59:59.000000001 +0000 UTC");
  }
}
