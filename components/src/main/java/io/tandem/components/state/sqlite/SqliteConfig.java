package io.tandem.components.state.sqlite;

import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The resolved configuration of one {@code state.sqlite} component, built from its metadata with
 * Dapr's keys and defaults. Pure: parsing touches no file.
 *
 * @param jdbcUrl the URL handed to sqlite-jdbc
 * @param databaseFile the database file, or {@code null} for an in-memory database
 * @param pragmas {@code name=value} pragmas taken from {@code _pragma=name(value)} parameters of a
 *     {@code file:} connection string, applied after the store's own so they win; except {@code
 *     busy_timeout}, which sets {@code busyTimeout}
 * @param tableName the table holding the state
 * @param metadataTableName the table holding the store's own bookkeeping (the ETag sequence)
 * @param timeout how long one operation may take, waiting for the connection included
 * @param cleanupInterval how often expired rows are deleted; zero or negative disables it
 * @param busyTimeout how long SQLite waits for a lock held by another connection; never longer than
 *     what is left of the operation's timeout
 * @param disableWal true to keep SQLite's rollback journal instead of write-ahead logging
 */
record SqliteConfig(
    String jdbcUrl,
    Path databaseFile,
    List<String> pragmas,
    String tableName,
    String metadataTableName,
    Duration timeout,
    Duration cleanupInterval,
    Duration busyTimeout,
    boolean disableWal) {

  static final String CONNECTION_STRING = "connectionString";
  static final String TABLE_NAME = "tableName";
  static final String METADATA_TABLE_NAME = "metadataTableName";
  static final String TIMEOUT = "timeout";
  static final String TIMEOUT_LEGACY = "timeoutInSeconds";
  static final String CLEANUP_INTERVAL = "cleanupInterval";
  static final String CLEANUP_INTERVAL_LEGACY = "cleanupIntervalInSeconds";
  static final String BUSY_TIMEOUT = "busyTimeout";
  static final String DISABLE_WAL = "disableWAL";

  static final String DEFAULT_TABLE_NAME = "state";
  static final String DEFAULT_METADATA_TABLE_NAME = "metadata";
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(20);
  static final Duration DEFAULT_CLEANUP_INTERVAL = Duration.ofHours(1);
  static final Duration DEFAULT_BUSY_TIMEOUT = Duration.ofSeconds(2);

  /** Dapr's rule for table names: ASCII letters, digits and underscores. */
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z0-9_]+");

  /** {@code _pragma=name(value)}, the form Dapr's connection strings use. */
  private static final Pattern PRAGMA =
      Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)\\(([A-Za-z0-9_.+-]*)\\)");

  /** A busy timeout in milliseconds, as {@link #pragma} normalises it. */
  private static final Pattern BUSY_TIMEOUT_PRAGMA = Pattern.compile("busy_timeout=\\d{1,10}");

  SqliteConfig {
    pragmas = List.copyOf(pragmas);
  }

  /** True when the database lives only in this process's memory. */
  boolean inMemory() {
    return databaseFile == null;
  }

  /** True when the periodic deletion of expired rows is on. */
  boolean cleanupEnabled() {
    return !cleanupInterval.isNegative() && !cleanupInterval.isZero();
  }

  static SqliteConfig from(ComponentMetadata metadata) {
    String name = metadata.name();
    String tableName =
        identifier(metadata, TABLE_NAME, metadata.get(TABLE_NAME, DEFAULT_TABLE_NAME));
    String metadataTableName =
        identifier(
            metadata,
            METADATA_TABLE_NAME,
            metadata.get(METADATA_TABLE_NAME, DEFAULT_METADATA_TABLE_NAME));
    if (tableName.equalsIgnoreCase(metadataTableName)) {
      throw ComponentException.invalid(
          "component "
              + name
              + ": metadata '"
              + TABLE_NAME
              + "' and '"
              + METADATA_TABLE_NAME
              + "' must name different tables");
    }
    Duration timeout = duration(metadata, TIMEOUT, TIMEOUT_LEGACY, DEFAULT_TIMEOUT);
    if (timeout.isNegative() || timeout.isZero()) {
      throw ComponentException.invalid(
          "component " + name + ": metadata '" + TIMEOUT + "' must be positive, got " + timeout);
    }
    Duration busyTimeout = metadata.getDuration(BUSY_TIMEOUT, DEFAULT_BUSY_TIMEOUT);
    Duration cleanupInterval =
        duration(metadata, CLEANUP_INTERVAL, CLEANUP_INTERVAL_LEGACY, DEFAULT_CLEANUP_INTERVAL);
    boolean disableWal = metadata.getBoolean(DISABLE_WAL, false);

    String connectionString = metadata.required(CONNECTION_STRING).trim();
    List<String> pragmas = new ArrayList<>();
    String jdbcUrl;
    Path databaseFile;
    if (connectionString.equals(":memory:")) {
      jdbcUrl = "jdbc:sqlite::memory:";
      databaseFile = null;
    } else if (connectionString.startsWith("file:")) {
      int q = connectionString.indexOf('?');
      String location = q < 0 ? connectionString.substring(5) : connectionString.substring(5, q);
      List<String> kept = new ArrayList<>();
      boolean memoryMode = false;
      if (q >= 0) {
        for (String param : connectionString.substring(q + 1).split("&")) {
          if (param.isEmpty()) {
            continue;
          }
          int eq = param.indexOf('=');
          String key = decode(name, eq < 0 ? param : param.substring(0, eq));
          String value = eq < 0 ? "" : decode(name, param.substring(eq + 1));
          switch (key) {
            case "_pragma" -> {
              String pragma = pragma(name, value);
              if (BUSY_TIMEOUT_PRAGMA.matcher(pragma).matches()) {
                // The store sets the busy timeout itself, per operation: take it as busyTimeout.
                busyTimeout = Duration.ofMillis(Long.parseLong(pragma.substring(13)));
              } else {
                pragmas.add(pragma);
              }
            }
            case "_txlock" -> {
              // Writes always take the write lock up front (BEGIN IMMEDIATE): nothing to set.
            }
            default -> {
              memoryMode |= key.equals("mode") && value.equals("memory");
              kept.add(param);
            }
          }
        }
      }
      jdbcUrl =
          "jdbc:sqlite:file:" + location + (kept.isEmpty() ? "" : "?" + String.join("&", kept));
      databaseFile = memoryMode || location.equals(":memory:") ? null : uriPath(name, location);
    } else {
      jdbcUrl = "jdbc:sqlite:" + connectionString;
      databaseFile = Path.of(connectionString);
    }
    if (busyTimeout.isNegative() || busyTimeout.toMillis() > Integer.MAX_VALUE) {
      throw ComponentException.invalid(
          "component "
              + name
              + ": metadata '"
              + BUSY_TIMEOUT
              + "' is out of range: "
              + busyTimeout);
    }
    return new SqliteConfig(
        jdbcUrl,
        databaseFile,
        pragmas,
        tableName,
        metadataTableName,
        timeout,
        cleanupInterval,
        busyTimeout,
        disableWal);
  }

  private static String identifier(ComponentMetadata metadata, String key, String value) {
    if (!IDENTIFIER.matcher(value).matches()) {
      throw ComponentException.invalid(
          "component "
              + metadata.name()
              + ": metadata '"
              + key
              + "' may only contain letters, digits and underscores: "
              + value);
    }
    return value;
  }

  /** Reads {@code key}, falling back to the older name Dapr still accepts. */
  private static Duration duration(
      ComponentMetadata metadata, String key, String legacyKey, Duration defaultValue) {
    String current = metadata.get(key);
    if ((current == null || current.isBlank()) && metadata.get(legacyKey) != null) {
      return metadata.getDuration(legacyKey, defaultValue);
    }
    return metadata.getDuration(key, defaultValue);
  }

  private static String pragma(String component, String text) {
    Matcher m = PRAGMA.matcher(text);
    if (!m.matches()) {
      throw ComponentException.invalid(
          "component "
              + component
              + ": metadata '"
              + CONNECTION_STRING
              + "' has a malformed _pragma parameter (expected name(value)): "
              + text);
    }
    return m.group(1).toLowerCase(Locale.ROOT) + "=" + m.group(2);
  }

  /** The file a {@code file:} URI's path names: {@code file:a/b.db}, {@code file:///abs/b.db}. */
  private static Path uriPath(String component, String location) {
    String path = location;
    if (path.startsWith("//")) {
      int slash = path.indexOf('/', 2);
      String authority = slash < 0 ? path.substring(2) : path.substring(2, slash);
      if (!authority.isEmpty() && !authority.equals("localhost")) {
        throw ComponentException.invalid(
            "component "
                + component
                + ": metadata '"
                + CONNECTION_STRING
                + "' names a remote host: "
                + authority);
      }
      path = slash < 0 ? "" : path.substring(slash);
    }
    path = decode(component, path);
    if (path.isEmpty()) {
      throw ComponentException.invalid(
          "component " + component + ": metadata '" + CONNECTION_STRING + "' names no file");
    }
    return Path.of(path);
  }

  private static String decode(String component, String s) {
    try {
      // URLDecoder would turn '+' into a space, which SQLite's URI rules do not.
      return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw ComponentException.invalid(
          "component "
              + component
              + ": metadata '"
              + CONNECTION_STRING
              + "' has a malformed %-escape: "
              + s);
    }
  }
}
