package io.tandem.sidecar.invoke;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The standalone name registry: one SQLite file shared by every sidecar on the machine, as Dapr's
 * standalone resolvers share mDNS or a SQLite file. Each sidecar registers its app id and internal
 * address, refreshes its heartbeat, and removes its row on shutdown; readers ignore rows whose
 * heartbeat is older than the time to live (a sidecar killed with -9 leaves its row behind).
 *
 * <p>Every method blocks on JDBC: call from worker threads only. One connection, used under this
 * object's lock; SQLite's WAL mode and busy timeout arbitrate between processes.
 */
public final class SqliteNameRegistry implements AutoCloseable {

  /** One row of the registry. */
  public record Entry(
      String registrationId,
      String appId,
      String namespace,
      String host,
      int port,
      long pid,
      long heartbeatMillis) {
    public AppAddress address() {
      return new AppAddress(appId, namespace, host, port);
    }
  }

  private static final String SCHEMA =
      "CREATE TABLE IF NOT EXISTS hosts ("
          + " registration_id TEXT PRIMARY KEY,"
          + " app_id TEXT NOT NULL,"
          + " namespace TEXT NOT NULL,"
          + " host TEXT NOT NULL,"
          + " port INTEGER NOT NULL,"
          + " pid INTEGER NOT NULL,"
          + " heartbeat INTEGER NOT NULL)";
  private static final String INDEX =
      "CREATE INDEX IF NOT EXISTS hosts_app ON hosts (app_id, namespace)";

  private final Path file;
  private final Duration ttl;
  private final Clock clock;
  private final Connection db;
  private Entry mine;

  private SqliteNameRegistry(Path file, Duration ttl, Clock clock, Connection db) {
    this.file = file;
    this.ttl = ttl;
    this.clock = clock;
    this.db = db;
  }

  /** Opens (creating when needed) the registry file and its table. */
  public static SqliteNameRegistry open(Path file, Duration ttl, Clock clock) throws SQLException {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
    } catch (IOException e) {
      throw new SQLException("cannot create the directory of " + file + ": " + e.getMessage(), e);
    }
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
    try (Statement s = c.createStatement()) {
      s.execute("PRAGMA busy_timeout = 5000");
      s.execute("PRAGMA journal_mode = WAL");
      s.execute(SCHEMA);
      s.execute(INDEX);
    } catch (SQLException e) {
      c.close();
      throw e;
    }
    return new SqliteNameRegistry(file, ttl, clock, c);
  }

  public Path file() {
    return file;
  }

  /**
   * Registers this sidecar, replacing rows left behind at the same address and dropping expired
   * ones. Returns the row written.
   */
  public synchronized Entry register(
      String appId, String namespace, String host, int port, long pid) throws SQLException {
    long now = clock.millis();
    try (PreparedStatement del =
        db.prepareStatement("DELETE FROM hosts WHERE heartbeat < ? OR (host = ? AND port = ?)")) {
      del.setLong(1, now - ttl.toMillis());
      del.setString(2, host);
      del.setInt(3, port);
      del.executeUpdate();
    }
    Entry e = new Entry(UUID.randomUUID().toString(), appId, namespace, host, port, pid, now);
    insert(e);
    mine = e;
    return e;
  }

  /** Refreshes this sidecar's heartbeat; writes the row again if someone removed it. */
  public synchronized void heartbeat() throws SQLException {
    if (mine == null) {
      return;
    }
    long now = clock.millis();
    try (PreparedStatement up =
        db.prepareStatement("UPDATE hosts SET heartbeat = ? WHERE registration_id = ?")) {
      up.setLong(1, now);
      up.setString(2, mine.registrationId());
      if (up.executeUpdate() == 0) {
        mine =
            new Entry(
                mine.registrationId(),
                mine.appId(),
                mine.namespace(),
                mine.host(),
                mine.port(),
                mine.pid(),
                now);
        insert(mine);
      }
    }
  }

  /** Removes this sidecar's row. */
  public synchronized void unregister() throws SQLException {
    if (mine == null) {
      return;
    }
    try (PreparedStatement del =
        db.prepareStatement("DELETE FROM hosts WHERE registration_id = ?")) {
      del.setString(1, mine.registrationId());
      del.executeUpdate();
    }
    mine = null;
  }

  /** The live rows of an app, in a stable order (oldest registration first). */
  public synchronized List<Entry> live(String appId, String namespace) throws SQLException {
    List<Entry> out = new ArrayList<>();
    try (PreparedStatement q =
        db.prepareStatement(
            "SELECT registration_id, app_id, namespace, host, port, pid, heartbeat FROM hosts"
                + " WHERE app_id = ? AND namespace = ? AND heartbeat >= ?"
                + " ORDER BY rowid")) {
      q.setString(1, appId);
      q.setString(2, namespace);
      q.setLong(3, clock.millis() - ttl.toMillis());
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          out.add(
              new Entry(
                  rs.getString(1),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getInt(5),
                  rs.getLong(6),
                  rs.getLong(7)));
        }
      }
    }
    return out;
  }

  private void insert(Entry e) throws SQLException {
    try (PreparedStatement ins =
        db.prepareStatement(
            "INSERT OR REPLACE INTO hosts"
                + " (registration_id, app_id, namespace, host, port, pid, heartbeat)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      ins.setString(1, e.registrationId());
      ins.setString(2, e.appId());
      ins.setString(3, e.namespace());
      ins.setString(4, e.host());
      ins.setInt(5, e.port());
      ins.setLong(6, e.pid());
      ins.setLong(7, e.heartbeatMillis());
      ins.executeUpdate();
    }
  }

  /** Removes this sidecar's row (if registered) and closes the file. */
  @Override
  public synchronized void close() throws SQLException {
    try {
      unregister();
    } finally {
      db.close();
    }
  }
}
