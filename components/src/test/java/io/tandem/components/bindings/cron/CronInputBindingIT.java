package io.tandem.components.bindings.cron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.bindings.InputEvent;
import io.tandem.components.bindings.InputReader;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A real schedule firing into a handler on the binding's own timer thread. */
class CronInputBindingIT {
  private final CronInputBinding binding = new CronInputBinding();
  private final List<InputEvent> events = new CopyOnWriteArrayList<>();

  private InputReader start(String schedule) {
    binding.init(
        new ComponentMetadata("tick", Map.of("schedule", schedule, "direction", "input")),
        ComponentContext.of("app", "", Runnable::run, Map.of()));
    return binding.read(
        e -> {
          events.add(e);
          return CompletableFuture.completedFuture(new byte[0]);
        });
  }

  @AfterEach
  void close() {
    binding.close();
  }

  @Test
  void everySecondFiresRepeatedlyWithDaprMetadata() {
    Instant started = Instant.now();
    start("@every 1s");

    await().atMost(Duration.ofSeconds(10)).until(() -> events.size() >= 2);

    InputEvent first = events.get(0);
    assertThat(first.data()).isEmpty();
    assertThat(first.metadata()).containsOnlyKeys("timeZone", "readTimeUTC");
    assertThat(first.metadata()).containsEntry("timeZone", "Local");
    String readTime = first.metadata().get("readTimeUTC");
    assertThat(readTime).endsWith(" +0000 UTC");
    Instant read =
        LocalDateTime.parse(
                readTime.substring(0, 19), DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss"))
            .toInstant(ZoneOffset.UTC);
    assertThat(read).isAfterOrEqualTo(started.minusSeconds(1));
  }

  @Test
  void sixFieldScheduleFiresEverySecond() {
    start("* * * * * *");
    await().atMost(Duration.ofSeconds(10)).until(() -> events.size() >= 2);
  }

  @Test
  void failedDeliveriesDoNotStopTheSchedule() {
    binding.init(
        new ComponentMetadata("tick", Map.of("schedule", "@every 200ms")),
        ComponentContext.of("app", "", Runnable::run, Map.of()));
    List<Integer> calls = new CopyOnWriteArrayList<>();
    binding.read(
        e -> {
          calls.add(calls.size());
          if (calls.size() % 2 == 0) {
            throw new IllegalStateException("handler blew up");
          }
          return CompletableFuture.failedFuture(new IllegalStateException("app said 500"));
        });
    await().atMost(Duration.ofSeconds(10)).until(() -> calls.size() >= 4);
  }

  @Test
  void pausedReaderSkipsTicksAndResumes() {
    InputReader reader = start("@every 100ms");
    await().atMost(Duration.ofSeconds(10)).until(() -> events.size() >= 1);

    reader.pause();
    assertThat(reader.isPaused()).isTrue();
    // a tick already being delivered may still land; after that, nothing while paused
    await().atMost(Duration.ofSeconds(5)).pollDelay(Duration.ofMillis(300)).until(() -> true);
    int whilePaused = events.size();
    await()
        .during(Duration.ofMillis(600))
        .atMost(Duration.ofSeconds(5))
        .until(() -> events.size() == whilePaused);

    reader.resume();
    assertThat(reader.isPaused()).isFalse();
    await().atMost(Duration.ofSeconds(10)).until(() -> events.size() > whilePaused);
  }

  @Test
  void closedReaderStopsFiring() {
    InputReader reader = start("@every 100ms");
    await().atMost(Duration.ofSeconds(10)).until(() -> events.size() >= 1);
    reader.close();
    reader.close();
    await().atMost(Duration.ofSeconds(5)).pollDelay(Duration.ofMillis(300)).until(() -> true);
    int afterClose = events.size();
    await()
        .during(Duration.ofMillis(600))
        .atMost(Duration.ofSeconds(5))
        .until(() -> events.size() == afterClose);
  }
}
