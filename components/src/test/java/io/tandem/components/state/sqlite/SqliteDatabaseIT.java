package io.tandem.components.state.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.components.ComponentException;
import io.tandem.components.ComponentException.Reason;
import io.tandem.components.ComponentMetadata;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The per-operation deadline of {@link SqliteDatabase}, on an in-memory database. */
class SqliteDatabaseIT {
  private ExecutorService workers;
  private SqliteDatabase database;

  @BeforeEach
  void open() throws Exception {
    workers = Executors.newCachedThreadPool();
    SqliteConfig config =
        SqliteConfig.from(
            new ComponentMetadata(
                "deadline", Map.of("connectionString", ":memory:", "timeout", "500ms")));
    database = SqliteDatabase.open("deadline", config, workers);
  }

  @AfterEach
  void close() {
    database.close();
    workers.shutdownNow();
  }

  @Test
  void aStatementRunningPastTheTimeoutIsInterruptedAndTheNextOneRuns() throws Exception {
    CompletableFuture<Long> endless =
        database.submit(
            "endless query",
            c -> {
              try (Statement s = c.createStatement();
                  ResultSet rs =
                      s.executeQuery(
                          "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r)"
                              + " SELECT count(*) FROM r")) {
                rs.next();
                return rs.getLong(1);
              }
            });

    ComponentException e = failure(endless);
    assertThat(e.reason()).isEqualTo(Reason.FAILURE);
    assertThat(e.getMessage()).contains("endless query").contains("timed out");

    assertThat(database.submit("quick query", c -> selectOne(c)).get(5, TimeUnit.SECONDS))
        .isEqualTo(1);
  }

  @Test
  void anOperationThatCannotGetTheConnectionBeforeItsDeadlineFails() throws Exception {
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<Integer> holder =
        database.submit(
            "holder",
            c -> {
              holding.countDown();
              try {
                release.await(5, TimeUnit.SECONDS);
              } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
              }
              return selectOne(c);
            });
    assertThat(holding.await(5, TimeUnit.SECONDS)).isTrue();

    ComponentException e = failure(database.submit("waiter", c -> selectOne(c)));

    assertThat(e.getMessage()).contains("waiter").contains("timed out");
    release.countDown();
    assertThat(holder.get(5, TimeUnit.SECONDS)).isEqualTo(1);
  }

  @Test
  void aFailedTransactionIsRolledBack() throws Exception {
    database
        .submit(
            "create",
            c -> {
              SqliteDatabase.execute(c, "CREATE TABLE t (v INTEGER)");
              return null;
            })
        .get(5, TimeUnit.SECONDS);

    assertThatThrownBy(
            () ->
                database.callNow(
                    "insert then fail",
                    c ->
                        SqliteDatabase.inTransaction(
                            c,
                            tx -> {
                              SqliteDatabase.execute(tx, "INSERT INTO t VALUES (1)");
                              throw ComponentException.invalid("step 2 refused");
                            })))
        .isInstanceOf(ComponentException.class)
        .hasMessage("step 2 refused");

    int rows =
        database.callNow(
            "count",
            c -> {
              try (Statement s = c.createStatement();
                  ResultSet rs = s.executeQuery("SELECT count(*) FROM t")) {
                rs.next();
                return rs.getInt(1);
              }
            });
    assertThat(rows).isZero();
  }

  @Test
  void closeIsIdempotentAndLaterOperationsFail() throws Exception {
    database.close();
    database.close();

    ComponentException e = failure(database.submit("late", c -> selectOne(c)));

    assertThat(e.getMessage()).contains("closed");
  }

  private static int selectOne(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT 1")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private static ComponentException failure(CompletableFuture<?> future) throws Exception {
    try {
      future.get(5, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(ComponentException.class);
      return (ComponentException) e.getCause();
    }
    throw new AssertionError("expected the operation to fail, but it succeeded");
  }
}
