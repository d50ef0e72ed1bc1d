package io.tandem.components.postgresql;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Plain SQL against a server, for tests that look behind a component's back or act as the operator:
 * one connection, blocking calls.
 */
public final class TestSql implements AutoCloseable {
  private final Vertx vertx;
  private final PgConnection conn;

  private TestSql(Vertx vertx, PgConnection conn) {
    this.vertx = vertx;
    this.conn = conn;
  }

  public static TestSql connect(String url) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      PgConnection conn =
          PgConnection.connect(
                  vertx,
                  ConnectionSettings.parse(url, Map.of()).toConnectOptions(Duration.ofSeconds(10)))
              .toCompletionStage()
              .toCompletableFuture()
              .get(20, TimeUnit.SECONDS);
      return new TestSql(vertx, conn);
    } catch (Exception e) {
      vertx.close();
      throw e;
    }
  }

  /** Runs one statement (simple protocol: several statements and DDL are fine). */
  public int exec(String sql) throws Exception {
    return conn.query(sql)
        .execute()
        .toCompletionStage()
        .toCompletableFuture()
        .get(20, TimeUnit.SECONDS)
        .rowCount();
  }

  /** Runs one statement with parameters. */
  public int exec(String sql, Object... params) throws Exception {
    return conn.preparedQuery(sql)
        .execute(Tuple.from(params.clone()))
        .toCompletionStage()
        .toCompletableFuture()
        .get(20, TimeUnit.SECONDS)
        .rowCount();
  }

  /** The rows of a query, each as a list of values. */
  public List<List<Object>> rows(String sql, Object... params) throws Exception {
    RowSet<Row> rows =
        conn.preparedQuery(sql)
            .execute(Tuple.from(params.clone()))
            .toCompletionStage()
            .toCompletableFuture()
            .get(20, TimeUnit.SECONDS);
    List<List<Object>> out = new ArrayList<>();
    for (Row r : rows) {
      List<Object> values = new ArrayList<>();
      for (int i = 0; i < r.size(); i++) {
        values.add(r.getValue(i));
      }
      out.add(values);
    }
    return out;
  }

  /** The single value of a query returning one row and column, or null when no row. */
  public Object value(String sql, Object... params) throws Exception {
    List<List<Object>> rows = rows(sql, params);
    return rows.isEmpty() ? null : rows.get(0).get(0);
  }

  @Override
  public void close() throws Exception {
    try {
      conn.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
