package io.tandem.components.rabbitmq;

import com.rabbitmq.client.BlockedListener;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.ShutdownSignalException;
import io.tandem.components.Completions;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One AMQP connection that comes back by itself, and the thread that owns it.
 *
 * <p>Every use of the connection and of its channels (declaring, publishing, acknowledging) runs on
 * the link's own thread, so nothing here is shared between threads but the {@link #trouble} text.
 * When the broker or the network drops the connection, the link reports it through {@link
 * #trouble}, tells its {@link Owner}, and connects again after {@code reconnectWait}, doubling the
 * wait after each failed attempt up to 30 s (or {@code reconnectWait} when that is longer); once
 * connected it clears the trouble and hands the new connection to its owner, which rebuilds its
 * channels, topology and consumers.
 *
 * <p>The client's own automatic recovery is off: it would replay topology behind our back and keep
 * no count of what failed, while the owners here know exactly what to rebuild.
 */
final class Link implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger("tandem.components.pubsub.rabbitmq");
  private static final Duration MIN_WAIT = Duration.ofMillis(100);
  private static final Duration MAX_WAIT = Duration.ofSeconds(30);

  /** What the link's connection serves. Called on the link's thread. */
  interface Owner {
    /** A new connection is up: build channels on it. A failure is logged; the link stays up. */
    void connected(Connection connection) throws IOException;

    /** The connection went away; its channels are dead. */
    void lost(ShutdownSignalException cause);
  }

  private final String role;
  private final RabbitMqSettings settings;
  private final ConnectionFactory factory;
  private final Owner owner;
  private final ScheduledExecutorService thread;
  private final Thread worker;

  private Connection connection;
  private int attempts;
  private ScheduledFuture<?> reconnect;
  private boolean closed;
  private volatile String trouble;
  private volatile String blocked;

  Link(String role, RabbitMqSettings settings, ConnectionFactory factory, Owner owner) {
    this.role = role;
    this.settings = settings;
    this.factory = factory;
    this.owner = owner;
    String threadName = "rabbitmq-" + settings.name + "-" + role;
    Thread[] made = new Thread[1];
    ScheduledThreadPoolExecutor executor =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, threadName);
              t.setDaemon(true);
              made[0] = t;
              return t;
            });
    // on close, the tasks already queued still run (they find everything closed and fail what
    // waits on them); timers (back-offs, reconnects) are dropped
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    executor.setRemoveOnCancelPolicy(true);
    this.thread = executor;
    try {
      // start the thread now, so that onThread() can compare against it
      this.thread.submit(() -> {}).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e);
    }
    this.worker = made[0];
  }

  /** Connects for the first time; waits for it. A failure here is the caller's to report. */
  void start(Duration timeout) throws Exception {
    call(
        () -> {
          connect();
          return null;
        },
        timeout);
  }

  /** What is wrong with this link, or null. Cheap: a volatile read. */
  String trouble() {
    String t = trouble;
    return t != null ? t : blocked;
  }

  /** The live connection, or null while there is none. Only on the link's thread. */
  Connection connection() {
    return connection;
  }

  boolean onThread() {
    return Thread.currentThread() == worker;
  }

  /** Runs {@code task} on the link's thread; false (and dropped) once the link is closed. */
  boolean execute(Runnable task) {
    try {
      thread.execute(guarded(task));
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  /** Runs {@code task} on the link's thread after {@code delay}; null once the link is closed. */
  ScheduledFuture<?> schedule(Runnable task, Duration delay) {
    try {
      return thread.schedule(guarded(task), Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      return null;
    }
  }

  /**
   * Runs {@code task} on the link's thread and waits for its result (inline when already there).
   */
  <T> T call(Callable<T> task, Duration timeout) throws Exception {
    if (onThread()) {
      return task.call();
    }
    Future<T> f;
    try {
      f = thread.submit(task);
    } catch (RejectedExecutionException e) {
      throw new IllegalStateException("pubsub " + settings.name + " is closed");
    }
    try {
      return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof Exception ex) {
        throw ex;
      }
      throw e;
    } catch (TimeoutException e) {
      f.cancel(false);
      throw new TimeoutException("RabbitMQ did not answer within " + timeout.toSeconds() + " s");
    }
  }

  /** Closes the connection and stops the thread once the tasks queued so far have run. */
  @Override
  public void close() {
    try {
      call(
          () -> {
            closed = true;
            if (reconnect != null) {
              reconnect.cancel(false);
            }
            Connection c = connection;
            connection = null;
            if (c != null) {
              try {
                c.close(2_000);
              } catch (Exception e) {
                c.abort(1_000);
              }
            }
            return null;
          },
          Duration.ofSeconds(5));
    } catch (Exception e) {
      log.debug("pubsub {}: closing the {} connection: {}", settings.name, role, e.toString());
    } finally {
      thread.shutdown();
    }
  }

  // ---- on the link's thread

  private void connect() throws IOException, TimeoutException {
    String clientName = settings.clientName.isEmpty() ? null : settings.clientName;
    Connection c = factory.newConnection(clientName);
    c.addShutdownListener(cause -> execute(() -> lost(c, cause)));
    c.addBlockedListener(
        new BlockedListener() {
          @Override
          public void handleBlocked(String reason) {
            blocked =
                "RabbitMQ at "
                    + settings.endpoint()
                    + " blocks publishing ("
                    + role
                    + " connection): "
                    + reason;
            log.warn("pubsub {}: {}", settings.name, blocked);
          }

          @Override
          public void handleUnblocked() {
            blocked = null;
            log.info("pubsub {}: RabbitMQ unblocked the {} connection", settings.name, role);
          }
        });
    connection = c;
    attempts = 0;
    blocked = null;
    try {
      owner.connected(c);
    } catch (IOException | RuntimeException e) {
      log.warn(
          "pubsub {}: setting up the {} connection failed: {}",
          settings.name,
          role,
          Completions.message(e));
    }
    // cleared once the owner's channels, queues and consumers are back, not before
    trouble = null;
  }

  private void lost(Connection c, ShutdownSignalException cause) {
    if (c != connection || closed) {
      return;
    }
    connection = null;
    blocked = null;
    String why = reason(cause);
    trouble =
        "connection to RabbitMQ at "
            + settings.endpoint()
            + " lost ("
            + role
            + "): "
            + why
            + "; reconnecting";
    log.warn("pubsub {}: {}", settings.name, trouble);
    try {
      owner.lost(cause);
    } catch (RuntimeException e) {
      log.warn("pubsub {}: after losing the {} connection: {}", settings.name, role, e.toString());
    }
    scheduleReconnect();
  }

  private void scheduleReconnect() {
    if (closed) {
      return;
    }
    Duration wait = nextWait(settings.reconnectWait, ++attempts);
    reconnect = schedule(this::reconnect, wait);
  }

  private void reconnect() {
    reconnect = null;
    if (closed || connection != null) {
      return;
    }
    try {
      connect();
      log.info(
          "pubsub {}: reconnected to RabbitMQ at {} ({})",
          settings.name,
          settings.endpoint(),
          role);
    } catch (IOException | TimeoutException | RuntimeException e) {
      trouble =
          "cannot reach RabbitMQ at "
              + settings.endpoint()
              + " ("
              + role
              + "): "
              + Completions.message(e)
              + "; reconnecting (attempt "
              + attempts
              + ")";
      log.warn("pubsub {}: {}", settings.name, trouble);
      scheduleReconnect();
    }
  }

  /** The wait before reconnect attempt {@code attempt} (1 for the first). */
  static Duration nextWait(Duration base, int attempt) {
    Duration b = base.compareTo(MIN_WAIT) < 0 ? MIN_WAIT : base;
    Duration cap = b.compareTo(MAX_WAIT) > 0 ? b : MAX_WAIT;
    Duration d = b;
    for (int i = 1; i < attempt && d.compareTo(cap) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(cap) > 0 ? cap : d;
  }

  static String reason(ShutdownSignalException cause) {
    if (cause.getReason() instanceof com.rabbitmq.client.AMQP.Connection.Close close) {
      return close.getReplyCode() + " " + close.getReplyText();
    }
    if (cause.getReason() instanceof com.rabbitmq.client.AMQP.Channel.Close close) {
      return close.getReplyCode() + " " + close.getReplyText();
    }
    Throwable c = cause.getCause();
    if (c != null) {
      return c.getMessage() != null ? c.getMessage() : c.toString();
    }
    return cause.getMessage();
  }

  private Runnable guarded(Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (RuntimeException e) {
        log.error("pubsub {}: unexpected failure on the {} thread", settings.name, role, e);
      }
    };
  }
}
