package io.tandem.components.postgresql.bindings;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.bindings.BindingDirection;
import io.tandem.components.bindings.InvokeRequest;
import io.tandem.components.bindings.InvokeResponse;
import io.tandem.components.bindings.OutputBinding;
import io.tandem.components.postgresql.PgDatabase;
import io.tandem.components.postgresql.PgSettings;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code bindings.postgresql}: runs the SQL statement of the request's {@code sql} metadata, with
 * the JSON array of its {@code params} metadata bound as {@code $1..$n}. Operations are Dapr's:
 * {@code exec} (answers the {@code rows-affected} metadata), {@code query} (answers the rows as a
 * JSON array of arrays, see {@link RowsJson}) and {@code close} (closes the component, after which
 * every call fails, as in Dapr). Each answer carries {@code operation}, {@code sql}, {@code
 * start-time}, {@code end-time} and {@code duration}.
 *
 * <p>Request data never becomes SQL text: parameters are bound by the server, never written into
 * the statement (see {@link Params}). A statement runs through the extended protocol, so {@code
 * sql} holds one statement: {@code "...; DROP TABLE x"} is refused by the server. A failing
 * statement fails the call with the server's message and SQLSTATE.
 */
public final class PostgresOutputBinding implements OutputBinding {
  private static final Logger LOG =
      LoggerFactory.getLogger("tandem.components.bindings.postgresql");

  static final String EXEC = "exec";
  static final String QUERY = "query";
  static final String CLOSE = "close";

  private volatile PgDatabase db;
  private volatile boolean closed;
  private String label;

  @Override
  public void init(ComponentMetadata metadata, ComponentContext context) throws Exception {
    if (db != null) {
      throw new IllegalStateException("component " + metadata.name() + " is already initialised");
    }
    BindingDirection direction = BindingDirection.of(metadata);
    if (direction.explicit() && direction.input()) {
      throw ComponentException.invalid(
          "component "
              + metadata.name()
              + ": metadata 'direction': bindings.postgresql is an output binding only");
    }
    label = "bindings.postgresql " + metadata.name();
    PgSettings settings = PgSettings.from(metadata, context.environment());
    PgDatabase database = PgDatabase.open(label, settings, context, LOG);
    db = database; // so that a close() while init waits (initTimeout) releases it
    try {
      database.awaitConnected();
    } catch (Exception e) {
      close();
      throw e;
    }
    if (closed) {
      throw new ComponentException(
          ComponentException.Reason.FAILURE, label + " was closed during init");
    }
    LOG.info("{}: {}", label, settings);
  }

  @Override
  public Set<String> features() {
    return Set.of(FEATURE_OUTPUT_BINDING);
  }

  @Override
  public Set<String> operations() {
    return Set.of(EXEC, QUERY, CLOSE);
  }

  @Override
  public Optional<String> trouble() {
    PgDatabase d = db;
    return d == null || closed ? Optional.empty() : d.trouble();
  }

  @Override
  public CompletionStage<InvokeResponse> invoke(InvokeRequest request) {
    String op = request.operation();
    if (CLOSE.equals(op)) {
      close();
      return CompletableFuture.completedFuture(null);
    }
    if (closed || db == null) {
      return CompletableFuture.failedFuture(
          new ComponentException(ComponentException.Reason.FAILURE, label + " is closed"));
    }
    if (!EXEC.equals(op) && !QUERY.equals(op)) {
      return CompletableFuture.failedFuture(
          new ComponentException(
              ComponentException.Reason.NOT_SUPPORTED,
              "invalid operation type: " + op + ". Expected exec, query, or close"));
    }
    String sql = request.metadata().get("sql");
    if (sql == null || sql.isBlank()) {
      return CompletableFuture.failedFuture(
          ComponentException.invalid("required metadata not set: sql"));
    }
    Tuple params;
    try {
      params = Params.parse(request.metadata().get("params"));
    } catch (ComponentException e) {
      return CompletableFuture.failedFuture(e);
    }
    Instant start = Instant.now();
    long startNanos = System.nanoTime();
    return db.call(
        op,
        pool ->
            pool.preparedQuery(sql)
                .execute(params)
                .map(
                    rows -> {
                      Duration took = Duration.ofNanos(System.nanoTime() - startNanos);
                      Map<String, String> md = new HashMap<>();
                      md.put("operation", op);
                      md.put("sql", sql);
                      md.put("start-time", DateTimeFormatter.ISO_INSTANT.format(start));
                      md.put("end-time", DateTimeFormatter.ISO_INSTANT.format(start.plus(took)));
                      md.put("duration", GoDuration.format(took));
                      if (EXEC.equals(op)) {
                        md.put("rows-affected", Integer.toString(rows.rowCount()));
                        return new InvokeResponse(null, md);
                      }
                      return new InvokeResponse(RowsJson.write(rows), md);
                    }));
  }

  @Override
  public void close() {
    closed = true;
    PgDatabase d = db;
    if (d != null) {
      d.close();
    }
  }
}
