package io.tandem.components.postgresql;

import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The connection metadata Dapr's PostgreSQL components share: {@code connectionString} (alias
 * {@code url}) and the keys that override parts of it ({@code host}, {@code hostaddr}, {@code
 * port}, {@code database}, {@code user}, {@code password}, {@code sslRootCert}), {@code timeout}
 * (alias {@code timeoutInSeconds}; 20 s, at least 1 s), {@code maxConns}, {@code
 * connectionMaxIdleTime} and {@code queryExecMode}. Azure AD and AWS IAM authentication ({@code
 * useAzureAD}, {@code useAWSIAM}) are refused: not implemented.
 *
 * @param connection where to connect; holds the password
 * @param timeout the limit of each database operation, and of connecting
 * @param maxConns the pool's size
 * @param maxIdleTime how long an unused pooled connection stays open; zero for no limit
 * @param cacheStatements whether prepared statements are cached per connection (pgx's {@code
 *     cache_statement} and {@code cache_describe}; the default)
 */
public record PgSettings(
    ConnectionSettings connection,
    Duration timeout,
    int maxConns,
    Duration maxIdleTime,
    boolean cacheStatements) {

  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(20);

  /** Reads and checks the keys; a wrong value fails naming its key. */
  public static PgSettings from(ComponentMetadata md, Map<String, String> environment) {
    for (String unsupported : new String[] {"useAzureAD", "useAWSIAM"}) {
      if (md.getBoolean(unsupported, false)) {
        throw ComponentException.invalid(
            "component "
                + md.name()
                + ": metadata '"
                + unsupported
                + "' is not supported by Tandem; authenticate with a password in"
                + " 'connectionString'");
      }
    }
    String cs = md.get("connectionString", md.get("url", ""));
    if (cs.isBlank() && md.get("host", "").isBlank() && md.get("hostaddr", "").isBlank()) {
      throw ComponentException.invalid(
          "component " + md.name() + ": metadata 'connectionString' is required");
    }
    ConnectionSettings connection;
    try {
      connection = ConnectionSettings.parse(cs, environment);
      connection.override("host", "host", md.get("host"));
      connection.override("hostaddr", "hostaddr", md.get("hostaddr"));
      connection.override("port", "port", md.get("port"));
      connection.override("database", "dbname", md.get("database"));
      connection.override("user", "user", md.get("user"));
      connection.override("password", "password", md.get("password"));
      connection.override("sslRootCert", "sslrootcert", md.get("sslRootCert"));
      connection.toConnectOptions(DEFAULT_TIMEOUT); // checks the TLS settings
    } catch (ComponentException e) {
      throw ComponentException.invalid("component " + md.name() + ": " + e.getMessage());
    }

    Duration timeout = duration(md, DEFAULT_TIMEOUT, "timeout", "timeoutInSeconds");
    if (timeout.compareTo(Duration.ofSeconds(1)) < 0) {
      throw ComponentException.invalid(
          "component " + md.name() + ": metadata 'timeout' must be at least 1s");
    }
    int maxConns = md.getInt("maxConns", 0);
    if (maxConns <= 1) {
      maxConns =
          connection.poolMaxConns() > 0
              ? connection.poolMaxConns()
              : Math.max(4, Runtime.getRuntime().availableProcessors());
    }
    Duration idle = duration(md, Duration.ZERO, "connectionMaxIdleTime", "connMaxIdleTime");
    if (idle.isNegative()) {
      idle = Duration.ZERO;
    }
    String mode = md.get("queryExecMode", "").trim().toLowerCase(Locale.ROOT);
    boolean cache =
        switch (mode) {
          case "", "cache_statement", "cache_describe" -> true;
          case "describe_exec", "exec", "simple_protocol" -> false;
          default ->
              throw ComponentException.invalid(
                  "component "
                      + md.name()
                      + ": metadata 'queryExecMode' must be one of cache_statement,"
                      + " cache_describe, describe_exec, exec, simple_protocol");
        };
    return new PgSettings(connection, timeout, maxConns, idle, cache);
  }

  /** The first of {@code keys} that is set, as a duration (Go syntax, or plain seconds). */
  static Duration duration(ComponentMetadata md, Duration defaultValue, String... keys) {
    for (String key : keys) {
      String v = md.get(key);
      if (v != null && !v.isBlank()) {
        return md.getDuration(key, defaultValue);
      }
    }
    return defaultValue;
  }

  /** The client options for one connection; they hold the password, never log them. */
  public PgConnectOptions connectOptions() {
    PgConnectOptions o = connection.toConnectOptions(timeout);
    Map<String, String> props = new java.util.LinkedHashMap<>(o.getProperties());
    boolean userSet =
        props.keySet().stream().anyMatch(k -> k.equalsIgnoreCase("statement_timeout"))
            || props.getOrDefault("options", "").contains("statement_timeout");
    if (!userSet) {
      // the server gives up on a statement soon after the client stopped waiting for it (as pgx
      // cancels it at Dapr's timeout), so a connection is not held by an abandoned statement
      props.put("statement_timeout", Long.toString(timeout.toMillis() + 1000));
      o.setProperties(props);
    }
    o.setCachePreparedStatements(cacheStatements);
    if (!cacheStatements) {
      // unnamed statements only, which connection poolers in transaction mode (PgBouncer) need
      o.setUseLayer7Proxy(true);
    }
    return o;
  }

  public PoolOptions poolOptions(String name) {
    PoolOptions o =
        new PoolOptions()
            .setName(name)
            .setMaxSize(maxConns)
            // no pool timer: PgDatabase limits each operation as a whole, and the pool's own
            // timer (4.5) fires on requests already failed, logging an error each time
            .setConnectionTimeout(0);
    if (!maxIdleTime.isZero()) {
      o.setIdleTimeout((int) Math.min(Integer.MAX_VALUE, maxIdleTime.toMillis()))
          .setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
    }
    return o;
  }

  /** Safe to log. */
  @Override
  public String toString() {
    return connection
        + " timeout="
        + timeout
        + " maxConns="
        + maxConns
        + (maxIdleTime.isZero() ? "" : " connectionMaxIdleTime=" + maxIdleTime)
        + (cacheStatements ? "" : " queryExecMode=exec");
  }
}
