package io.tandem.components.state.sqlite;

import io.tandem.components.ComponentException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.JDBC;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * One SQLite connection and the rules for using it: work runs on the component's blocking executor,
 * one operation at a time, and each operation has a deadline ({@code timeout} after it was
 * submitted). An operation waits for the connection only until its deadline; SQLite's wait for a
 * lock held by another connection is cut to what is left of it; and a statement still running at
 * the deadline is interrupted through {@code sqlite3_interrupt}, which makes SQLite abandon (and
 * roll back) it.
 */
final class SqliteDatabase implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger("tandem.components.state.sqlite");

  /** Database work, given the connection for its exclusive use. */
  @FunctionalInterface
  interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  private final String component;
  private final Duration timeout;
  private final long busyTimeoutMillis;
  private final Executor executor;
  private final ReentrantLock lock = new ReentrantLock();
  private final SQLiteConnection connection; // used only while holding lock
  private final ScheduledThreadPoolExecutor timer;
  private final Object interruptGuard = new Object();
  private Object running; // guarded by interruptGuard: the operation a watchdog may interrupt
  private volatile boolean closed; // written while holding lock

  private SqliteDatabase(
      String component, SqliteConfig config, Executor executor, SQLiteConnection connection) {
    this.component = component;
    this.timeout = config.timeout();
    this.busyTimeoutMillis = config.busyTimeout().toMillis();
    this.executor = executor;
    this.connection = connection;
    this.timer =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "tandem-sqlite-" + component);
              t.setDaemon(true);
              return t;
            });
    this.timer.setRemoveOnCancelPolicy(true);
  }

  /**
   * Opens the database, creating the file's parent directories, and applies the journal mode and
   * the connection-string pragmas. Blocks: call it from a worker thread.
   *
   * @throws ComponentException when the database cannot be opened or a pragma fails
   */
  static SqliteDatabase open(String component, SqliteConfig config, Executor executor) {
    if (config.databaseFile() != null) {
      Path parent = config.databaseFile().toAbsolutePath().getParent();
      try {
        if (parent != null) {
          Files.createDirectories(parent);
        }
      } catch (IOException e) {
        throw ComponentException.failure(
            "component "
                + component
                + ": cannot create the directory of the database file "
                + config.databaseFile().toAbsolutePath()
                + ": "
                + e,
            e);
      }
    }
    SQLiteConnection connection;
    try {
      connection = JDBC.createConnection(config.jdbcUrl(), new Properties());
    } catch (SQLException e) {
      throw ComponentException.failure(
          "component " + component + ": cannot open " + config.jdbcUrl() + ": " + e.getMessage(),
          e);
    }
    try (Statement s = connection.createStatement()) {
      connection.setBusyTimeout((int) config.busyTimeout().toMillis());
      if (!config.disableWal() && !config.inMemory()) {
        s.execute("PRAGMA journal_mode = WAL");
        s.execute("PRAGMA synchronous = NORMAL");
      }
      for (String pragma : config.pragmas()) {
        s.execute("PRAGMA " + pragma);
      }
    } catch (SQLException e) {
      closeQuietly(connection);
      throw ComponentException.failure(
          "component " + component + ": setting up " + config.jdbcUrl() + ": " + e.getMessage(), e);
    }
    return new SqliteDatabase(component, config, executor, connection);
  }

  /**
   * Runs {@code work} on the blocking executor within this operation's deadline. The future fails
   * with a {@link ComponentException}: the work's own, or {@code FAILURE} for SQL errors, timeouts
   * and a closed database.
   */
  <T> CompletableFuture<T> submit(String operation, Work<T> work) {
    long deadline = System.nanoTime() + timeout.toNanos();
    CompletableFuture<T> result = new CompletableFuture<>();
    try {
      executor.execute(
          () -> {
            try {
              result.complete(call(operation, deadline, work));
            } catch (Throwable t) {
              result.completeExceptionally(translate(operation, t));
            }
          });
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(
          ComponentException.failure(
              "component " + component + ": " + operation + ": no worker thread available", e));
    }
    return result;
  }

  /** Runs {@code work} on the calling thread within a fresh deadline; for initialisation. */
  <T> T callNow(String operation, Work<T> work) {
    try {
      return call(operation, System.nanoTime() + timeout.toNanos(), work);
    } catch (Throwable t) {
      throw translate(operation, t);
    }
  }

  /** Runs {@code tick} every {@code interval} on this database's timer thread until closed. */
  void every(Duration interval, Runnable tick) {
    timer.scheduleWithFixedDelay(
        tick, interval.toNanos(), interval.toNanos(), TimeUnit.NANOSECONDS);
  }

  boolean isClosed() {
    return closed;
  }

  /**
   * Runs {@code work} in a write transaction: {@code BEGIN IMMEDIATE} takes SQLite's write lock up
   * front, so what the work reads cannot change before it commits, even from another process. Any
   * exception rolls everything back.
   */
  static <T> T inTransaction(Connection connection, Work<T> work) throws SQLException {
    execute(connection, "BEGIN IMMEDIATE");
    boolean committed = false;
    try {
      T result = work.run(connection);
      execute(connection, "COMMIT");
      committed = true;
      return result;
    } finally {
      if (!committed) {
        rollbackQuietly(connection);
      }
    }
  }

  static void execute(Connection connection, String sql) throws SQLException {
    try (Statement s = connection.createStatement()) {
      s.execute(sql);
    }
  }

  /**
   * Waits for the running operation (bounded by its deadline), then closes the connection and stops
   * the timer. Operations queued behind it fail. Idempotent.
   */
  @Override
  public void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      timer.shutdownNow();
      closeQuietly(connection);
    } finally {
      lock.unlock();
    }
  }

  private <T> T call(String operation, long deadline, Work<T> work)
      throws SQLException, InterruptedException {
    long wait = deadline - System.nanoTime();
    if (wait <= 0 || !lock.tryLock(wait, TimeUnit.NANOSECONDS)) {
      throw timedOut(operation);
    }
    try {
      if (closed) {
        throw new ComponentException(
            ComponentException.Reason.FAILURE, "component " + component + " is closed");
      }
      // SQLite's wait for another connection's lock ignores sqlite3_interrupt: bound it here.
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      connection.setBusyTimeout((int) Math.min(busyTimeoutMillis, Math.max(1, left)));
      Object token = new Object();
      synchronized (interruptGuard) {
        running = token;
      }
      ScheduledFuture<?> watchdog =
          timer.schedule(
              () -> interrupt(operation, token),
              deadline - System.nanoTime(),
              TimeUnit.NANOSECONDS);
      try {
        return work.run(connection);
      } finally {
        synchronized (interruptGuard) {
          running = null;
        }
        watchdog.cancel(false);
      }
    } finally {
      lock.unlock();
    }
  }

  private void interrupt(String operation, Object token) {
    synchronized (interruptGuard) {
      // Only the operation this watchdog was armed for; sqlite3_interrupt is a no-op when no
      // statement runs, so a late call cannot reach the next operation.
      if (running != token) {
        return;
      }
      LOG.warn(
          "component {}: {} still running after {}, interrupting it",
          component,
          operation,
          timeout);
      try {
        connection.getDatabase().interrupt();
      } catch (SQLException e) {
        LOG.warn("component {}: could not interrupt {}", component, operation, e);
      }
    }
  }

  private ComponentException translate(String operation, Throwable t) {
    if (t instanceof ComponentException ce) {
      return ce;
    }
    if (t instanceof SQLiteException se && se.getResultCode() == SQLiteErrorCode.SQLITE_INTERRUPT) {
      return timedOut(operation);
    }
    if (t instanceof InterruptedException) {
      Thread.currentThread().interrupt();
      return ComponentException.failure(
          "component " + component + ": " + operation + " was interrupted", t);
    }
    LOG.debug("component {}: {} failed", component, operation, t);
    return ComponentException.failure(
        "component " + component + ": " + operation + " failed: " + t.getMessage(), t);
  }

  private ComponentException timedOut(String operation) {
    return new ComponentException(
        ComponentException.Reason.FAILURE,
        "component " + component + ": " + operation + " timed out after " + timeout);
  }

  private static void rollbackQuietly(Connection connection) {
    try {
      execute(connection, "ROLLBACK");
    } catch (SQLException e) {
      // SQLite already rolled back (an interrupted or failed COMMIT does): nothing to undo.
      LOG.debug("rollback: {}", e.getMessage());
    }
  }

  private static void closeQuietly(Connection connection) {
    try {
      connection.close();
    } catch (SQLException e) {
      LOG.warn("closing the SQLite connection failed", e);
    }
  }
}
