package io.tandem.components.bindings.cron;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.bindings.BindingDirection;
import io.tandem.components.bindings.InputBinding;
import io.tandem.components.bindings.InputEvent;
import io.tandem.components.bindings.InputHandler;
import io.tandem.components.bindings.InputReader;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code bindings.cron}: fires an event with no data on each tick of {@code schedule} (see {@link
 * CronSchedule}). The event's metadata is Dapr's: {@code timeZone} and {@code readTimeUTC} (the
 * firing time, written as Go prints a UTC time). Ticks are not queued: one that falls while the
 * reader is paused is skipped, and a failed delivery is only logged.
 */
public final class CronInputBinding implements InputBinding {
  private static final Logger log = LoggerFactory.getLogger("tandem.components.bindings.cron");

  /** Dapr reports the scheduler's location, which is always Go's {@code time.Local}. */
  static final String TIME_ZONE = "Local";

  private final Clock clock;
  private final List<Reader> readers = new CopyOnWriteArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private String name;
  private CronSchedule schedule;

  public CronInputBinding() {
    this(Clock.systemUTC());
  }

  CronInputBinding(Clock clock) {
    this.clock = clock;
  }

  @Override
  public void init(ComponentMetadata metadata, ComponentContext context) {
    BindingDirection.of(metadata);
    this.name = metadata.name();
    String text = metadata.required("schedule");
    try {
      this.schedule = CronSchedule.parse(text, ZoneId.systemDefault());
    } catch (IllegalArgumentException e) {
      throw ComponentException.invalid(
          "component " + name + ": invalid schedule format '" + text + "': " + e.getMessage());
    }
    log.info("bindings.cron {}: schedule '{}' in {}", name, text, schedule.zone());
  }

  @Override
  public java.util.Set<String> features() {
    return java.util.Set.of(FEATURE_INPUT_BINDING);
  }

  CronSchedule schedule() {
    return schedule;
  }

  @Override
  public InputReader read(InputHandler handler) {
    if (closed.get()) {
      throw new ComponentException(
          ComponentException.Reason.FAILURE, "bindings.cron " + name + " is closed");
    }
    Reader r = new Reader(handler);
    readers.add(r);
    r.scheduleAfter(clock.instant());
    return r;
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      readers.forEach(Reader::close);
    }
  }

  /** {@code t} as Go's {@code time.Time.String()} prints a UTC time. */
  static String goUtcString(Instant t) {
    LocalDateTime l = LocalDateTime.ofInstant(t, ZoneOffset.UTC);
    StringBuilder sb =
        new StringBuilder(
            String.format(
                "%04d-%02d-%02d %02d:%02d:%02d",
                l.getYear(),
                l.getMonthValue(),
                l.getDayOfMonth(),
                l.getHour(),
                l.getMinute(),
                l.getSecond()));
    int nanos = l.getNano();
    if (nanos != 0) {
      String frac = String.format("%09d", nanos).replaceFirst("0+$", "");
      sb.append('.').append(frac);
    }
    return sb.append(" +0000 UTC").toString();
  }

  private final class Reader implements InputReader {
    private final InputHandler handler;
    private final ScheduledExecutorService timer;
    private final AtomicBoolean paused = new AtomicBoolean();
    private final AtomicBoolean stopped = new AtomicBoolean();

    Reader(InputHandler handler) {
      this.handler = handler;
      this.timer =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "tandem-cron-" + name);
                t.setDaemon(true);
                return t;
              });
    }

    /** Arms the timer for the first tick after {@code previous}. */
    void scheduleAfter(Instant previous) {
      if (stopped.get()) {
        return;
      }
      Instant now = clock.instant();
      Instant next = schedule.next(previous);
      if (next != null && !next.isAfter(now)) {
        // late (a long pause of the process): skip the missed ticks rather than fire them all
        next = schedule.next(now);
      }
      if (next == null) {
        log.warn("bindings.cron {}: schedule '{}' never fires again", name, schedule);
        return;
      }
      Instant at = next;
      long delay = Math.max(0, Duration.between(now, at).toNanos());
      try {
        timer.schedule(() -> fire(at), delay, TimeUnit.NANOSECONDS);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // closed meanwhile
      }
    }

    private void fire(Instant at) {
      try {
        if (!paused.get() && !stopped.get()) {
          deliver();
        }
      } finally {
        scheduleAfter(at);
      }
    }

    private void deliver() {
      Instant now = clock.instant();
      log.debug("bindings.cron {}: schedule fired at {}", name, now);
      InputEvent event =
          new InputEvent(
              new byte[0], Map.of("timeZone", TIME_ZONE, "readTimeUTC", goUtcString(now)));
      CompletionStage<byte[]> result;
      try {
        result = handler.handle(event);
      } catch (RuntimeException e) {
        log.warn("bindings.cron {}: event handler failed: {}", name, e.toString());
        return;
      }
      result.whenComplete(
          (ok, err) -> {
            if (err != null) {
              log.warn(
                  "bindings.cron {}: the app did not process the event: {}",
                  name,
                  err.getMessage());
            }
          });
    }

    @Override
    public void pause() {
      if (paused.compareAndSet(false, true)) {
        log.debug("bindings.cron {}: paused", name);
      }
    }

    @Override
    public void resume() {
      if (paused.compareAndSet(true, false)) {
        log.debug("bindings.cron {}: resumed", name);
      }
    }

    @Override
    public boolean isPaused() {
      return paused.get();
    }

    @Override
    public void close() {
      if (stopped.compareAndSet(false, true)) {
        timer.shutdownNow();
        readers.remove(this);
      }
    }
  }
}
