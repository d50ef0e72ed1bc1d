package io.tandem.sidecar.appchannel;

import io.tandem.sidecar.AppChannelConfig;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --enable-app-health-check}: probes the app every interval; after {@code threshold}
 * failures in a row the app is unhealthy, after one success it is healthy again. Listeners
 * (subscriptions, input bindings) hear only the changes.
 */
public final class AppHealthChecker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger("tandem.sidecar.appchannel.health");

  private final Vertx vertx;
  private final AppChannel channel;
  private final AppChannelConfig config;
  private final List<AppHealthListener> listeners = new CopyOnWriteArrayList<>();
  private volatile boolean healthy = true;
  private int failures;
  private long timer = -1;
  private boolean probing;

  public AppHealthChecker(Vertx vertx, AppChannel channel, AppChannelConfig config) {
    this.vertx = vertx;
    this.channel = channel;
    this.config = config;
  }

  public void addListener(AppHealthListener l) {
    listeners.add(l);
  }

  public boolean healthy() {
    return healthy;
  }

  public synchronized void start() {
    if (timer >= 0) {
      return;
    }
    timer = vertx.setPeriodic(config.healthInterval().toMillis(), id -> probe());
  }

  private synchronized void probe() {
    if (probing) {
      return;
    }
    probing = true;
    channel
        .probeHealth()
        .onComplete(
            ar -> {
              synchronized (this) {
                probing = false;
              }
              record(ar.succeeded() && ar.result());
            });
  }

  /** Feeds one probe's outcome; public so tests can drive the state machine. */
  public void record(boolean ok) {
    boolean changedTo;
    synchronized (this) {
      if (ok) {
        failures = 0;
        if (healthy) {
          return;
        }
        healthy = true;
        changedTo = true;
      } else {
        failures++;
        if (!healthy || failures < config.healthThreshold()) {
          return;
        }
        healthy = false;
        changedTo = false;
      }
    }
    if (changedTo) {
      log.info("app is healthy again: resuming subscriptions and input bindings");
      listeners.forEach(AppHealthListener::appHealthy);
    } else {
      log.warn(
          "app failed {} health probes in a row: pausing subscriptions and input bindings",
          config.healthThreshold());
      listeners.forEach(AppHealthListener::appUnhealthy);
    }
  }

  @Override
  public synchronized void close() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }
}
