package io.tandem.sidecar.invoke;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared registry file, as several sidecars on one machine use it. */
class SqliteNameRegistryIT {
  static final Duration TTL = Duration.ofSeconds(10);

  @TempDir Path dir;
  final ManualClock clock = new ManualClock();

  SqliteNameRegistry open() throws Exception {
    return SqliteNameRegistry.open(dir.resolve("sub/registry.db"), TTL, clock);
  }

  @Test
  void sidecarsFindEachOtherThroughTheFile() throws Exception {
    try (SqliteNameRegistry a = open();
        SqliteNameRegistry b = open()) {
      a.register("orders", "", "127.0.0.1", 50002, 11);
      b.register("checkout", "", "127.0.0.1", 50003, 12);

      assertThat(b.live("orders", ""))
          .extracting(SqliteNameRegistry.Entry::port)
          .containsExactly(50002);
      assertThat(a.live("checkout", ""))
          .extracting(SqliteNameRegistry.Entry::pid)
          .containsExactly(12L);
      assertThat(a.live("checkout", "other-namespace")).isEmpty();
      assertThat(a.live("nosuch", "")).isEmpty();
    }
  }

  @Test
  void aRowWithoutHeartbeatExpiresAndAHeartbeatKeepsItLive() throws Exception {
    try (SqliteNameRegistry alive = open();
        SqliteNameRegistry crashed = open();
        SqliteNameRegistry reader = open()) {
      alive.register("app", "", "127.0.0.1", 1001, 1);
      crashed.register("app", "", "127.0.0.1", 1002, 2);

      clock.advance(Duration.ofSeconds(6));
      alive.heartbeat();
      clock.advance(Duration.ofSeconds(6));

      assertThat(reader.live("app", ""))
          .extracting(SqliteNameRegistry.Entry::port)
          .containsExactly(1001);
    }
  }

  @Test
  void closingRemovesTheRow() throws Exception {
    try (SqliteNameRegistry reader = open()) {
      SqliteNameRegistry leaving = open();
      leaving.register("app", "", "127.0.0.1", 1001, 1);
      assertThat(reader.live("app", "")).hasSize(1);
      leaving.close();
      assertThat(reader.live("app", "")).isEmpty();
    }
  }

  @Test
  void aNewSidecarAtTheSameAddressReplacesTheOldRowAndExpiredRowsAreCleaned() throws Exception {
    try (SqliteNameRegistry old = open();
        SqliteNameRegistry other = open();
        SqliteNameRegistry restarted = open()) {
      old.register("app", "", "127.0.0.1", 1001, 1);
      other.register("gone", "", "127.0.0.1", 1002, 2);
      clock.advance(TTL.plusSeconds(1));
      restarted.register("app", "", "127.0.0.1", 1001, 3);

      assertThat(restarted.live("app", ""))
          .extracting(SqliteNameRegistry.Entry::pid)
          .containsExactly(3L);
      clock.advance(Duration.ofSeconds(-TTL.toSeconds() - 1));
      assertThat(restarted.live("gone", ""))
          .as("expired rows were deleted, not only hidden")
          .isEmpty();
    }
  }

  @Test
  void aHeartbeatWritesTheRowBackWhenSomeoneRemovedIt() throws Exception {
    try (SqliteNameRegistry me = open();
        SqliteNameRegistry cleaner = open()) {
      me.register("app", "", "127.0.0.1", 1001, 1);
      clock.advance(TTL.plusSeconds(1));
      cleaner.register("other", "", "127.0.0.1", 2002, 2); // deletes my expired row
      assertThat(cleaner.live("app", "")).isEmpty();

      me.heartbeat();

      assertThat(cleaner.live("app", ""))
          .extracting(SqliteNameRegistry.Entry::port)
          .containsExactly(1001);
    }
  }

  /** A clock tests move by hand. */
  static final class ManualClock extends Clock {
    private final AtomicLong millis = new AtomicLong(1_700_000_000_000L);

    void advance(Duration d) {
      millis.addAndGet(d.toMillis());
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis.get());
    }

    @Override
    public long millis() {
      return millis.get();
    }
  }
}
