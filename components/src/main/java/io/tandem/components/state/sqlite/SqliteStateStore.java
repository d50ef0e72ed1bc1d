package io.tandem.components.state.sqlite;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.state.DeleteRequest;
import io.tandem.components.state.GetRequest;
import io.tandem.components.state.GetResponse;
import io.tandem.components.state.NumericEtags;
import io.tandem.components.state.SetRequest;
import io.tandem.components.state.StateStore;
import io.tandem.components.state.StateTtl;
import io.tandem.components.state.TransactionalOperation;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code state.sqlite}: state in a table of a SQLite database file, so it survives a restart of the
 * sidecar. Metadata keys and defaults are Dapr's: {@code connectionString} (required: a path, or a
 * {@code file:} URI; {@code :memory:} for a throw-away database), {@code tableName} ({@code
 * state}), {@code metadataTableName} ({@code metadata}), {@code timeout} (20s per operation),
 * {@code cleanupInterval} (1h; zero or negative disables the deletion of expired rows), {@code
 * busyTimeout} (2s) and {@code disableWAL} (false: write-ahead logging with {@code
 * synchronous=NORMAL}).
 *
 * <p>Each row holds a key, its value as a BLOB, its ETag and its expiry (epoch milliseconds, null
 * for none). ETags are numbers drawn from one sequence kept in the metadata table and advanced
 * inside each write's transaction, so an ETag is never handed out twice, even after a delete and
 * re-create, a restart, or writes from another process sharing the file. Expired rows are invisible
 * at once and deleted by a periodic cleanup.
 *
 * <p>The store holds one connection. All SQL runs on the component's blocking executor, one
 * operation at a time; a write runs in a {@code BEGIN IMMEDIATE} transaction, and {@link #multi}
 * applies all its steps in one.
 *
 * <p>The table layout is Tandem's own: a table created by Dapr's SQLite store (text values, UUID
 * ETags) is refused at init rather than misread.
 */
public final class SqliteStateStore implements StateStore {
  private static final Logger LOG = LoggerFactory.getLogger("tandem.components.state.sqlite");

  /** The columns this store needs, with their declared types. */
  private static final Map<String, String> LAYOUT =
      Map.of("key", "TEXT", "value", "BLOB", "etag", "INTEGER", "expiration_time", "INTEGER");

  /** The SQL for one pair of tables. Table names are validated identifiers, quoted here. */
  private record Sql(
      String createTable,
      String createIndex,
      String tableInfo,
      String createMetadataTable,
      String seedSequence,
      String sequenceKey,
      String get,
      String currentEtag,
      String upsert,
      String delete,
      String nextEtag,
      String deleteExpired) {

    static Sql forTables(String table, String metadataTable) {
      String t = '"' + table + '"';
      String m = '"' + metadataTable + '"';
      String live = " AND (expiration_time IS NULL OR expiration_time > ?)";
      return new Sql(
          "CREATE TABLE IF NOT EXISTS "
              + t
              + " (key TEXT NOT NULL PRIMARY KEY, value BLOB NOT NULL,"
              + " etag INTEGER NOT NULL, expiration_time INTEGER)",
          "CREATE INDEX IF NOT EXISTS \""
              + table
              + "_expiration_time\" ON "
              + t
              + " (expiration_time) WHERE expiration_time IS NOT NULL",
          "PRAGMA table_info(" + t + ")",
          "CREATE TABLE IF NOT EXISTS "
              + m
              + " (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL)",
          // The sequence starts above every ETag already in the table.
          "INSERT OR IGNORE INTO " + m + " (key, value) SELECT ?, COALESCE(MAX(etag), 0) FROM " + t,
          "etag-sequence-" + table.toLowerCase(Locale.ROOT),
          "SELECT value, etag, expiration_time FROM " + t + " WHERE key = ?" + live,
          "SELECT etag FROM " + t + " WHERE key = ?" + live,
          "INSERT INTO "
              + t
              + " (key, value, etag, expiration_time) VALUES (?, ?, ?, ?)"
              + " ON CONFLICT (key) DO UPDATE SET value = excluded.value, etag = excluded.etag,"
              + " expiration_time = excluded.expiration_time",
          "DELETE FROM " + t + " WHERE key = ?",
          "UPDATE "
              + m
              + " SET value = CAST(value AS INTEGER) + 1 WHERE key = ?"
              + " RETURNING CAST(value AS INTEGER)",
          "DELETE FROM " + t + " WHERE expiration_time IS NOT NULL AND expiration_time <= ?");
    }
  }

  private record Backend(String component, SqliteDatabase database, Sql sql) {}

  private final AtomicBoolean cleanupRunning = new AtomicBoolean();
  private volatile Backend backend;

  @Override
  public void init(ComponentMetadata metadata, ComponentContext context) throws Exception {
    if (backend != null) {
      throw new IllegalStateException("component " + metadata.name() + " is already initialised");
    }
    SqliteConfig config = SqliteConfig.from(metadata);
    Sql sql = Sql.forTables(config.tableName(), config.metadataTableName());
    SqliteDatabase database =
        SqliteDatabase.open(metadata.name(), config, context.blockingExecutor());
    try {
      database.callNow(
          "schema creation",
          c -> SqliteDatabase.inTransaction(c, tx -> createSchema(tx, sql, config, metadata)));
    } catch (RuntimeException e) {
      database.close();
      throw e;
    }
    backend = new Backend(metadata.name(), database, sql);
    if (config.cleanupEnabled()) {
      database.every(config.cleanupInterval(), this::deleteExpired);
    }
    LOG.info(
        "component {}: state.sqlite on {}, table {}, metadata table {}, timeout {},"
            + " busyTimeout {}, cleanupInterval {}, WAL {}",
        metadata.name(),
        config.inMemory() ? "an in-memory database" : config.databaseFile().toAbsolutePath(),
        config.tableName(),
        config.metadataTableName(),
        config.timeout(),
        config.busyTimeout(),
        config.cleanupEnabled() ? config.cleanupInterval() : "disabled",
        !config.disableWal() && !config.inMemory());
  }

  @Override
  public Set<String> features() {
    return Set.of(FEATURE_ETAG, FEATURE_TRANSACTIONAL, FEATURE_TTL);
  }

  @Override
  public CompletionStage<GetResponse> get(GetRequest request) {
    return submit("get", (c, sql) -> read(c, sql, request.key(), System.currentTimeMillis()));
  }

  @Override
  public CompletionStage<Void> set(SetRequest request) {
    try {
      StateTtl.parse(request.metadata()); // refuse a bad TTL before taking the write lock
    } catch (ComponentException e) {
      return CompletableFuture.failedFuture(e);
    }
    return submit(
        "set",
        (c, sql) ->
            SqliteDatabase.inTransaction(
                c,
                tx -> {
                  applySet(tx, sql, request, System.currentTimeMillis());
                  return null;
                }));
  }

  @Override
  public CompletionStage<Void> delete(DeleteRequest request) {
    return submit(
        "delete",
        (c, sql) ->
            SqliteDatabase.inTransaction(
                c,
                tx -> {
                  applyDelete(tx, sql, request, System.currentTimeMillis());
                  return null;
                }));
  }

  @Override
  public CompletionStage<Void> multi(List<TransactionalOperation> operations) {
    try {
      for (TransactionalOperation op : operations) {
        if (op instanceof TransactionalOperation.Upsert u) {
          StateTtl.parse(u.request().metadata());
        }
      }
    } catch (ComponentException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (operations.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    List<TransactionalOperation> steps = List.copyOf(operations);
    return submit(
        "transaction",
        (c, sql) ->
            SqliteDatabase.inTransaction(
                c,
                tx -> {
                  long now = System.currentTimeMillis();
                  for (TransactionalOperation op : steps) {
                    if (op instanceof TransactionalOperation.Upsert u) {
                      applySet(tx, sql, u.request(), now);
                    } else if (op instanceof TransactionalOperation.Delete d) {
                      applyDelete(tx, sql, d.request(), now);
                    }
                  }
                  return null;
                }));
  }

  /** Stops the cleanup and closes the connection, after the running operation. Idempotent. */
  @Override
  public void close() {
    Backend b = backend;
    if (b != null) {
      b.database().close();
    }
  }

  /** SQL work given the connection and this store's statements. */
  @FunctionalInterface
  private interface StoreWork<T> {
    T run(Connection connection, Sql sql) throws SQLException;
  }

  private <T> CompletableFuture<T> submit(String operation, StoreWork<T> work) {
    Backend b = backend;
    if (b == null) {
      return CompletableFuture.failedFuture(
          new ComponentException(
              ComponentException.Reason.FAILURE, "the state.sqlite store is not initialised"));
    }
    return b.database().submit(operation, c -> work.run(c, b.sql()));
  }

  private static Void createSchema(
      Connection c, Sql sql, SqliteConfig config, ComponentMetadata metadata) throws SQLException {
    SqliteDatabase.execute(c, sql.createTable());
    Map<String, String> columns = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement(sql.tableInfo());
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        columns.put(
            rs.getString("name").toLowerCase(Locale.ROOT),
            rs.getString("type").toUpperCase(Locale.ROOT));
      }
    }
    LAYOUT.forEach(
        (column, type) -> {
          if (!type.equals(columns.get(column))) {
            throw ComponentException.invalid(
                "component "
                    + metadata.name()
                    + ": table '"
                    + config.tableName()
                    + "' exists with another layout (column "
                    + column
                    + " is "
                    + columns.getOrDefault(column, "missing")
                    + ", expected "
                    + type
                    + "); it may have been created by another program: set metadata '"
                    + SqliteConfig.TABLE_NAME
                    + "' to another table");
          }
        });
    SqliteDatabase.execute(c, sql.createIndex());
    SqliteDatabase.execute(c, sql.createMetadataTable());
    try (PreparedStatement ps = c.prepareStatement(sql.seedSequence())) {
      ps.setString(1, sql.sequenceKey());
      ps.executeUpdate();
    }
    return null;
  }

  private static GetResponse read(Connection c, Sql sql, String key, long now) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get())) {
      ps.setString(1, key);
      ps.setLong(2, now);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return null;
        }
        byte[] value = rs.getBytes(1);
        long etag = rs.getLong(2);
        long expiresAt = rs.getLong(3); // 0 when NULL
        return new GetResponse(
            value == null ? new byte[0] : value,
            Long.toString(etag),
            StateTtl.responseMetadata(expiresAt));
      }
    }
  }

  private static void applySet(Connection c, Sql sql, SetRequest request, long now)
      throws SQLException {
    long expiresAt = StateTtl.expiryMillis(request.metadata(), now);
    NumericEtags.checkSet(request, currentEtag(c, sql, request.key(), now));
    long etag = nextEtag(c, sql);
    try (PreparedStatement ps = c.prepareStatement(sql.upsert())) {
      ps.setString(1, request.key());
      ps.setBytes(2, request.value());
      ps.setLong(3, etag);
      if (expiresAt > 0) {
        ps.setLong(4, expiresAt);
      } else {
        ps.setNull(4, Types.INTEGER);
      }
      ps.executeUpdate();
    }
  }

  private static void applyDelete(Connection c, Sql sql, DeleteRequest request, long now)
      throws SQLException {
    NumericEtags.checkDelete(request, currentEtag(c, sql, request.key(), now));
    try (PreparedStatement ps = c.prepareStatement(sql.delete())) {
      ps.setString(1, request.key());
      ps.executeUpdate();
    }
  }

  /** The ETag of the key's live row, or null when it is absent or expired. */
  private static Long currentEtag(Connection c, Sql sql, String key, long now) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.currentEtag())) {
      ps.setString(1, key);
      ps.setLong(2, now);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : null;
      }
    }
  }

  private static long nextEtag(Connection c, Sql sql) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.nextEtag())) {
      ps.setString(1, sql.sequenceKey());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw ComponentException.failure(
              "the ETag sequence row '"
                  + sql.sequenceKey()
                  + "' is missing from the metadata table",
              null);
        }
        return rs.getLong(1);
      }
    }
  }

  /** The periodic cleanup: deletes expired rows; skipped while the previous run is still going. */
  private void deleteExpired() {
    Backend b = backend;
    if (b == null || !cleanupRunning.compareAndSet(false, true)) {
      return;
    }
    submit(
            "cleanup",
            (c, sql) -> {
              try (PreparedStatement ps = c.prepareStatement(sql.deleteExpired())) {
                ps.setLong(1, System.currentTimeMillis());
                return ps.executeUpdate();
              }
            })
        .whenComplete(
            (deleted, error) -> {
              cleanupRunning.set(false);
              if (error != null) {
                if (!b.database().isClosed()) {
                  LOG.warn(
                      "component {}: deleting expired rows failed: {}",
                      b.component(),
                      error.getMessage());
                }
              } else if (deleted > 0) {
                LOG.debug("component {}: deleted {} expired rows", b.component(), deleted);
              }
            });
  }
}
