package io.tandem.sidecar.invoke;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Standalone name resolution over the shared {@link SqliteNameRegistry}: registers this sidecar at
 * start, heartbeats on a thread of its own, and resolves other apps on Vert.x worker threads, with
 * a short cache of live rows and round-robin among replicas.
 */
public final class StandaloneNameResolver implements NameResolver {
  private static final Logger log = LoggerFactory.getLogger("tandem.sidecar.invoke.resolver");

  /** How often a sidecar refreshes its row. */
  public static final Duration HEARTBEAT = Duration.ofSeconds(2);

  /** How long a row stays live without a heartbeat: five missed beats. */
  public static final Duration TTL = Duration.ofSeconds(10);

  /** How long the live rows of an app are reused before the file is read again. */
  public static final Duration CACHE = Duration.ofSeconds(1);

  private record Cached(List<SqliteNameRegistry.Entry> entries, long expiresAtNanos) {}

  private final Vertx vertx;
  private final SqliteNameRegistry registry;
  private final ScheduledExecutorService heartbeats;
  private final Duration cacheFor;
  private final ConcurrentHashMap<String, Cached> cache = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, AtomicInteger> turns = new ConcurrentHashMap<>();
  private final AtomicBoolean heartbeatFailing = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();

  private StandaloneNameResolver(
      Vertx vertx,
      SqliteNameRegistry registry,
      ScheduledExecutorService heartbeats,
      Duration cache) {
    this.vertx = vertx;
    this.registry = registry;
    this.heartbeats = heartbeats;
    this.cacheFor = cache;
  }

  /**
   * Opens the registry file, registers this sidecar's internal address and starts heartbeating.
   * Blocks on the file: call at start-up, off the event loop.
   */
  public static StandaloneNameResolver start(
      Vertx vertx,
      Path file,
      AppAddress self,
      Duration heartbeat,
      Duration ttl,
      Duration cache,
      Clock clock)
      throws SQLException {
    SqliteNameRegistry registry = SqliteNameRegistry.open(file, ttl, clock);
    ScheduledExecutorService heartbeats =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "tandem-name-registry");
              t.setDaemon(true);
              return t;
            });
    StandaloneNameResolver resolver =
        new StandaloneNameResolver(vertx, registry, heartbeats, cache);
    try {
      SqliteNameRegistry.Entry e =
          registry.register(
              self.appId(),
              self.namespace(),
              self.host(),
              self.port(),
              ProcessHandle.current().pid());
      log.info(
          "registered app id {} at {} in {} (heartbeat every {}s)",
          e.appId(),
          self.authority(),
          file,
          heartbeat.toSeconds());
    } catch (SQLException | RuntimeException e) {
      resolver.close();
      throw e;
    }
    heartbeats.scheduleWithFixedDelay(
        resolver::heartbeat, heartbeat.toMillis(), heartbeat.toMillis(), TimeUnit.MILLISECONDS);
    return resolver;
  }

  /** With the default heartbeat, time to live and cache. */
  public static StandaloneNameResolver start(Vertx vertx, Path file, AppAddress self)
      throws SQLException {
    return start(vertx, file, self, HEARTBEAT, TTL, CACHE, Clock.systemUTC());
  }

  private void heartbeat() {
    try {
      registry.heartbeat();
      if (heartbeatFailing.compareAndSet(true, false)) {
        log.info("name registry heartbeat recovered");
      }
    } catch (SQLException | RuntimeException e) {
      if (heartbeatFailing.compareAndSet(false, true)) {
        log.warn(
            "name registry heartbeat failed ({}); other sidecars will stop finding this one if"
                + " it keeps failing",
            e.getMessage());
      }
    }
  }

  @Override
  public Future<AppAddress> resolve(String appId, String namespace) {
    String key = appId + '\u0000' + namespace;
    Cached c = cache.get(key);
    if (c != null && System.nanoTime() - c.expiresAtNanos() < 0) {
      return Future.succeededFuture(pick(key, appId, c.entries()));
    }
    return vertx
        .<List<SqliteNameRegistry.Entry>>executeBlocking(
            () -> registry.live(appId, namespace), false)
        .map(
            entries -> {
              if (!entries.isEmpty() && !cacheFor.isZero()) {
                cache.put(key, new Cached(entries, System.nanoTime() + cacheFor.toNanos()));
              }
              return pick(key, appId, entries);
            });
  }

  private AppAddress pick(String key, String appId, List<SqliteNameRegistry.Entry> entries) {
    if (entries.isEmpty()) {
      throw new NotRegisteredException(appId);
    }
    int turn = turns.computeIfAbsent(key, k -> new AtomicInteger()).getAndIncrement();
    return entries.get(Math.floorMod(turn, entries.size())).address();
  }

  @Override
  public void forget(AppAddress address) {
    cache.remove(address.appId() + '\u0000' + address.namespace());
  }

  /** Stops heartbeating and removes this sidecar's row. Blocks on the file. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    heartbeats.shutdownNow();
    try {
      heartbeats.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      registry.close();
      log.info("removed this sidecar from the name registry {}", registry.file());
    } catch (SQLException e) {
      log.warn("cannot remove this sidecar from the name registry: {}", e.getMessage());
    }
  }
}
