package io.tandem.components.postgresql.state;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentException.Reason;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.postgresql.PgDatabase;
import io.tandem.components.postgresql.PgSettings;
import io.tandem.components.postgresql.TableName;
import io.tandem.components.state.BulkGetItem;
import io.tandem.components.state.Concurrency;
import io.tandem.components.state.DeleteRequest;
import io.tandem.components.state.GetRequest;
import io.tandem.components.state.GetResponse;
import io.tandem.components.state.SetRequest;
import io.tandem.components.state.StateStore;
import io.tandem.components.state.StateTtl;
import io.tandem.components.state.TransactionalOperation;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code state.postgresql} (version v1): state in a PostgreSQL table laid out as Dapr's v1 store
 * lays it out, created when missing (see {@link StateSchema}), so that a Dapr sidecar and a Tandem
 * sidecar can share it. Metadata keys are Dapr's: {@code connectionString} and the connection keys
 * of {@link PgSettings}, {@code tableName} ({@code state}), {@code metadataTableName} ({@code
 * dapr_metadata}), {@code cleanupInterval} (alias {@code cleanupIntervalInSeconds}; 1h; zero or
 * negative disables the cleanup). Table names are checked by {@link TableName}; every value is a
 * bound parameter.
 *
 * <p>ETags are Dapr v1's: the row's {@code xmin}, the id of the transaction that last wrote it, so
 * every write makes a new one and a Dapr sidecar on the same table checks the same ETags. An ETag
 * that is not an unsigned 32-bit number is invalid.
 *
 * <p>Values are opaque bytes: each is stored as a JSON string holding its base64 with {@code
 * isbinary = true}, the form Dapr uses for binary values, so every value (JSON or not) comes back
 * byte for byte; a row Dapr wrote as JSON ({@code isbinary = false}) is read as its {@code jsonb}
 * text.
 *
 * <p>An item with a TTL gets an {@code expiredate}; reads ignore expired rows at once, and a
 * periodic cleanup deletes them. The cleanup is coordinated across sidecars through the {@code
 * last-cleanup} row of the metadata table, as Dapr does: a sidecar deletes only when no one did for
 * a whole interval.
 */
public final class PostgresStateStore implements StateStore {
  private static final Logger LOG = LoggerFactory.getLogger("tandem.components.state.postgresql");

  static final Duration DEFAULT_CLEANUP_INTERVAL = Duration.ofHours(1);

  /** The SQL of one table; the table names are checked identifiers, every value a parameter. */
  record Sql(
      String get,
      String bulkGet,
      String upsert,
      String insertIfAbsent,
      String updateIfEtag,
      String delete,
      String deleteIfEtag,
      String claimCleanup,
      String deleteExpired) {

    static Sql of(TableName table, TableName metadata) {
      String t = table.sql();
      String live = " AND (expiredate IS NULL OR expiredate > CURRENT_TIMESTAMP)";
      // the value as text: the base64 of a binary value, the JSON text of a JSON one
      String columns =
          "CASE WHEN isbinary THEN value #>> '{}' ELSE value::text END, isbinary, xmin::text,"
              + " expiredate";
      String expiry = "CURRENT_TIMESTAMP + $3::integer * interval '1 second'";
      String upsert =
          "INSERT INTO "
              + t
              + " AS t (key, value, isbinary, expiredate) VALUES ($1, $2, true, "
              + expiry
              + ") ON CONFLICT (key) DO UPDATE SET value = excluded.value,"
              + " isbinary = excluded.isbinary, updatedate = CURRENT_TIMESTAMP,"
              + " expiredate = excluded.expiredate";
      return new Sql(
          "SELECT " + columns + " FROM " + t + " WHERE key = $1" + live,
          "SELECT key, " + columns + " FROM " + t + " WHERE key = ANY($1)" + live,
          upsert,
          // first-write: only over a row that has expired but is not yet cleaned up
          upsert + " WHERE t.expiredate IS NOT NULL AND t.expiredate <= CURRENT_TIMESTAMP",
          "UPDATE "
              + t
              + " SET value = $2, isbinary = true, updatedate = CURRENT_TIMESTAMP, expiredate = "
              + expiry
              + " WHERE key = $1 AND xmin::text = $4"
              + live,
          "DELETE FROM " + t + " WHERE key = $1",
          "DELETE FROM " + t + " WHERE key = $1 AND xmin::text = $2",
          "INSERT INTO "
              + metadata.sql()
              + " AS m (key, value) VALUES ($1, now()::text) ON CONFLICT (key) DO UPDATE"
              + " SET value = now()::text WHERE"
              + " (EXTRACT('epoch' FROM now() - m.value::timestamp with time zone) * 1000)::bigint"
              + " > $2",
          "DELETE FROM " + t + " WHERE expiredate IS NOT NULL AND expiredate < now()");
    }
  }

  /** One statement of a write, and what an unchanged row means. */
  private record Step(String sql, Tuple params, String noRowMeans) {
    Future<Void> run(SqlClient client) {
      return client
          .preparedQuery(sql)
          .execute(params)
          .compose(
              rows ->
                  rows.rowCount() == 0 && noRowMeans != null
                      ? Future.failedFuture(
                          new ComponentException(Reason.ETAG_MISMATCH, noRowMeans))
                      : Future.succeededFuture());
    }
  }

  private static final String STALE_ETAG = "possible etag mismatch: the etag given is stale";
  private static final String KEY_EXISTS = "first-write: the key already exists";

  private volatile PgDatabase db;
  private Sql sql;
  private String label;
  private Duration cleanupInterval;
  private long cleanupTimer = -1;
  private boolean closed;

  @Override
  public void init(ComponentMetadata metadata, ComponentContext context) throws Exception {
    if (db != null) {
      throw new IllegalStateException("component " + metadata.name() + " is already initialised");
    }
    label = "state.postgresql " + metadata.name();
    PgSettings settings = PgSettings.from(metadata, context.environment());
    TableName table =
        TableName.parse(metadata.name(), "tableName", metadata.get("tableName", "state"));
    TableName metadataTable =
        TableName.parse(
            metadata.name(),
            "metadataTableName",
            metadata.get("metadataTableName", "dapr_metadata"));
    cleanupInterval = cleanupInterval(metadata);
    sql = Sql.of(table, metadataTable);

    PgDatabase database = PgDatabase.open(label, settings, context, LOG);
    db = database; // so that a close() while init waits (initTimeout) releases it
    try {
      database.awaitConnected();
      database.await(
          database.run(
              "creating the tables", pool -> StateSchema.ensure(pool, table, metadataTable)),
          "creating the tables");
    } catch (Exception e) {
      close();
      throw e;
    }
    LOG.info(
        "{}: {} tableName={} metadataTableName={} cleanupInterval={}",
        label,
        settings,
        table,
        metadataTable,
        cleanupInterval == null ? "disabled" : cleanupInterval);
    synchronized (this) {
      if (closed) {
        throw new ComponentException(Reason.FAILURE, label + " was closed during init");
      }
      if (cleanupInterval != null) {
        scheduleCleanup(database);
      }
    }
  }

  /** Deletes expired rows every cleanup interval (when it is this sidecar's turn). */
  private void scheduleCleanup(PgDatabase database) {
    cleanupTimer = database.vertx().setPeriodic(cleanupInterval.toMillis(), id -> cleanupQuietly());
  }

  private void cleanupQuietly() {
    cleanupExpired()
        .whenComplete(
            (n, err) -> {
              if (err != null) {
                LOG.warn("{}: removing expired rows failed: {}", label, err.getMessage());
              } else if (n > 0) {
                LOG.info("{}: removed {} expired rows", label, n);
              }
            });
  }

  /** {@code cleanupInterval}: Dapr's rules (empty: the default; zero or negative: disabled). */
  static Duration cleanupInterval(ComponentMetadata metadata) {
    String key = "cleanupInterval";
    String v = metadata.get(key);
    if (v == null) {
      key = "cleanupIntervalInSeconds";
      v = metadata.get(key);
    }
    if (v == null || v.isBlank()) {
      return DEFAULT_CLEANUP_INTERVAL;
    }
    Duration d = metadata.getDuration(key, DEFAULT_CLEANUP_INTERVAL);
    return d.isNegative() || d.isZero() ? null : d;
  }

  @Override
  public Set<String> features() {
    return Set.of(FEATURE_ETAG, FEATURE_TRANSACTIONAL, FEATURE_TTL);
  }

  @Override
  public Optional<String> trouble() {
    PgDatabase d = db;
    return d == null ? Optional.empty() : d.trouble();
  }

  // ---- reads
  // --------------------------------------------------------------------------------------

  @Override
  public CompletionStage<GetResponse> get(GetRequest request) {
    return database()
        .call(
            "get",
            pool ->
                pool.preparedQuery(sql.get)
                    .execute(Tuple.of(request.key()))
                    .map(
                        rows -> {
                          for (Row r : rows) {
                            return response(r, 0);
                          }
                          return null;
                        }));
  }

  @Override
  public CompletionStage<List<BulkGetItem>> bulkGet(List<GetRequest> requests) {
    if (requests.isEmpty()) {
      return CompletableFuture.completedFuture(List.of());
    }
    String[] keys = requests.stream().map(GetRequest::key).distinct().toArray(String[]::new);
    return database()
        .call(
            "bulk get",
            pool ->
                pool.preparedQuery(sql.bulkGet)
                    .execute(Tuple.of(keys))
                    .map(
                        rows -> {
                          Map<String, BulkGetItem> found = new HashMap<>();
                          for (Row r : rows) {
                            String key = r.getString(0);
                            try {
                              found.put(key, new BulkGetItem(key, response(r, 1), null));
                            } catch (ComponentException e) {
                              found.put(key, new BulkGetItem(key, null, e.getMessage()));
                            }
                          }
                          List<BulkGetItem> out = new ArrayList<>(requests.size());
                          for (GetRequest g : requests) {
                            out.add(
                                found.getOrDefault(g.key(), new BulkGetItem(g.key(), null, null)));
                          }
                          return out;
                        }));
  }

  /** The response for a row whose value, isbinary, etag and expiredate start at {@code at}. */
  private GetResponse response(Row r, int at) {
    String text = r.getString(at);
    boolean binary = Boolean.TRUE.equals(r.getBoolean(at + 1));
    byte[] data;
    if (text == null) {
      data = new byte[0];
    } else if (binary) {
      try {
        data = Base64.getDecoder().decode(text);
      } catch (IllegalArgumentException e) {
        throw new ComponentException(
            Reason.FAILURE, "the stored value is marked binary but is not base64");
      }
    } else {
      data = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
    OffsetDateTime expires = r.getOffsetDateTime(at + 3);
    return new GetResponse(
        data,
        r.getString(at + 2),
        StateTtl.responseMetadata(expires == null ? 0 : expires.toInstant().toEpochMilli()));
  }

  // ---- writes
  // -------------------------------------------------------------------------------------

  @Override
  public CompletionStage<Void> set(SetRequest request) {
    Step step;
    try {
      step = setStep(request);
    } catch (ComponentException e) {
      return CompletableFuture.failedFuture(e);
    }
    return database().call("set", pool -> step.run(pool));
  }

  @Override
  public CompletionStage<Void> delete(DeleteRequest request) {
    Step step;
    try {
      step = deleteStep(request);
    } catch (ComponentException e) {
      return CompletableFuture.failedFuture(e);
    }
    return database().call("delete", pool -> step.run(pool));
  }

  /** All steps in one database transaction, in order: all are applied, or none. */
  @Override
  public CompletionStage<Void> multi(List<TransactionalOperation> operations) {
    List<Step> steps = new ArrayList<>(operations.size());
    try {
      for (TransactionalOperation op : operations) {
        steps.add(
            op instanceof TransactionalOperation.Upsert u
                ? setStep(u.request())
                : deleteStep(((TransactionalOperation.Delete) op).request()));
      }
    } catch (ComponentException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (steps.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return database()
        .call(
            "transaction",
            pool ->
                pool.withTransaction(
                    conn -> {
                      Future<Void> chain = Future.succeededFuture();
                      for (Step s : steps) {
                        chain = chain.compose(v -> s.run(conn));
                      }
                      return chain;
                    }));
  }

  private Step setStep(SetRequest r) {
    requireKey(r.key());
    OptionalLong ttl = StateTtl.parse(r.metadata());
    Integer seconds = ttl.isPresent() ? (int) ttl.getAsLong() : null;
    String value = Base64.getEncoder().encodeToString(r.value() == null ? new byte[0] : r.value());
    Concurrency concurrency = r.options().concurrency();
    if (r.hasEtag() && concurrency != Concurrency.LAST_WRITE) {
      String etag = etag(r.etag());
      return new Step(sql.updateIfEtag, Tuple.of(r.key(), value, seconds, etag), STALE_ETAG);
    }
    if (concurrency == Concurrency.FIRST_WRITE) {
      return new Step(sql.insertIfAbsent, Tuple.of(r.key(), value, seconds), KEY_EXISTS);
    }
    return new Step(sql.upsert, Tuple.of(r.key(), value, seconds), null);
  }

  private Step deleteStep(DeleteRequest r) {
    requireKey(r.key());
    if (r.hasEtag() && r.options().concurrency() != Concurrency.LAST_WRITE) {
      return new Step(sql.deleteIfEtag, Tuple.of(r.key(), etag(r.etag())), STALE_ETAG);
    }
    return new Step(sql.delete, Tuple.of(r.key()), null);
  }

  private static void requireKey(String key) {
    if (key == null || key.isEmpty()) {
      throw ComponentException.invalid("the key is empty");
    }
  }

  /** An ETag as {@code xmin::text} shows it: an unsigned 32-bit number, canonical. */
  static String etag(String etag) {
    try {
      long v = Long.parseLong(etag.trim());
      if (v >= 0 && v <= 0xFFFF_FFFFL) {
        return Long.toString(v);
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new ComponentException(Reason.ETAG_INVALID, "invalid etag value: " + etag);
  }

  // ---- cleanup
  // ------------------------------------------------------------------------------------

  /**
   * Deletes the expired rows unless this or another sidecar did so less than a cleanup interval
   * ago. Completes with the number of rows deleted, or -1 when it was not this sidecar's turn.
   */
  CompletionStage<Long> cleanupExpired() {
    long intervalMillis =
        cleanupInterval == null ? 0 : Math.max(0, cleanupInterval.toMillis() - 100);
    return database()
        .call(
            "cleanup",
            pool ->
                pool.preparedQuery(sql.claimCleanup)
                    .execute(Tuple.of("last-cleanup", intervalMillis))
                    .compose(
                        claimed ->
                            claimed.rowCount() == 0
                                ? Future.succeededFuture(-1L)
                                : pool.query(sql.deleteExpired)
                                    .execute()
                                    .map(rows -> (long) rows.rowCount())));
  }

  private PgDatabase database() {
    PgDatabase d = db;
    if (d == null) {
      throw new IllegalStateException("state.postgresql is not initialised");
    }
    return d;
  }

  @Override
  public synchronized void close() {
    closed = true;
    PgDatabase d = db;
    if (d == null) {
      return;
    }
    if (cleanupTimer >= 0) {
      try {
        d.vertx().cancelTimer(cleanupTimer);
      } catch (IllegalStateException e) {
        // Vert.x already closed
      }
      cleanupTimer = -1;
    }
    d.close();
  }
}
