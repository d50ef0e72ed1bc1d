package io.tandem.components.postgresql;

import io.tandem.components.ComponentException;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where and how to reach a PostgreSQL server, read from a libpq connection string in either of its
 * forms: the URL {@code postgres://user:password@host:port/database?sslmode=disable} (also {@code
 * postgresql://}), or keywords {@code host=... port=... user=... password=... dbname=...} (with
 * {@code database} accepted for {@code dbname}, as Dapr's examples write it, and values in single
 * quotes when they hold spaces). The {@code PG*} environment variables fill what the string leaves
 * out, as they do for libpq and pgx.
 *
 * <p>Keywords that are run-time parameters of the server ({@code search_path}, {@code options},
 * {@code TimeZone}...) are sent at connection start-up, as pgx does. libpq and pgx keywords with no
 * equivalent here ({@code passfile}, {@code target_session_attrs}, the {@code pool_*} options other
 * than {@code pool_max_conns}...) are ignored and listed by {@link #ignoredKeys()}.
 *
 * <p>Nothing read from the string ever appears in an exception message: a mistyped string may put
 * part of a password where a port was expected. {@link #toString()} leaves the password out.
 */
public final class ConnectionSettings {

  /** libpq's {@code sslmode} values. */
  public enum TlsMode {
    DISABLE,
    ALLOW,
    PREFER,
    REQUIRE,
    VERIFY_CA,
    VERIFY_FULL;

    static TlsMode parse(String value) {
      switch (value.trim().toLowerCase(Locale.ROOT)) {
        case "disable":
          return DISABLE;
        case "allow":
          return ALLOW;
        case "prefer":
          return PREFER;
        case "require":
          return REQUIRE;
        case "verify-ca":
          return VERIFY_CA;
        case "verify-full":
          return VERIFY_FULL;
        default:
          throw new IllegalArgumentException(
              "sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full");
      }
    }

    String text() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /** Keywords libpq or pgx know that have no meaning here; accepted and ignored. */
  private static final Set<String> IGNORED =
      Set.of(
          "passfile",
          "service",
          "servicefile",
          "target_session_attrs",
          "krbsrvname",
          "krbspn",
          "gsslib",
          "gssencmode",
          "gssdelegation",
          "sslsni",
          "sslcrl",
          "sslcrldir",
          "sslpassword",
          "sslcompression",
          "ssl_min_protocol_version",
          "ssl_max_protocol_version",
          "channel_binding",
          "requirepeer",
          "require_auth",
          "keepalives",
          "keepalives_idle",
          "keepalives_interval",
          "keepalives_count",
          "tcp_user_timeout",
          "replication",
          "load_balance_hosts",
          "min_read_buffer_size",
          "statement_cache_capacity",
          "description_cache_capacity",
          "default_query_exec_mode",
          "pool_min_conns",
          "pool_min_idle_conns",
          "pool_max_conn_lifetime",
          "pool_max_conn_lifetime_jitter",
          "pool_max_conn_idle_time",
          "pool_health_check_period");

  /** The environment variables libpq reads, and the keyword each stands for. */
  private static final Map<String, String> ENVIRONMENT =
      Map.ofEntries(
          Map.entry("PGHOST", "host"),
          Map.entry("PGHOSTADDR", "hostaddr"),
          Map.entry("PGPORT", "port"),
          Map.entry("PGDATABASE", "dbname"),
          Map.entry("PGUSER", "user"),
          Map.entry("PGPASSWORD", "password"),
          Map.entry("PGSSLMODE", "sslmode"),
          Map.entry("PGSSLROOTCERT", "sslrootcert"),
          Map.entry("PGSSLCERT", "sslcert"),
          Map.entry("PGSSLKEY", "sslkey"),
          Map.entry("PGAPPNAME", "application_name"),
          Map.entry("PGCONNECT_TIMEOUT", "connect_timeout"));

  private String host;
  private String hostaddr;
  private int port = 5432;
  private String database;
  private String user;
  private String password;
  private TlsMode tlsMode = TlsMode.PREFER;
  private String sslRootCert;
  private String sslCert;
  private String sslKey;
  private Duration connectTimeout;
  private String applicationName;
  private String fallbackApplicationName;
  private int poolMaxConns;
  private final Map<String, String> runtimeParams = new LinkedHashMap<>();
  private final Set<String> ignoredKeys = new TreeSet<>();

  private ConnectionSettings() {}

  /**
   * Parses {@code connectionString}, with the {@code PG*} variables of {@code environment} as
   * defaults.
   *
   * @throws ComponentException naming {@code connectionString} (but never quoting it) when the
   *     string is malformed
   */
  public static ConnectionSettings parse(String connectionString, Map<String, String> environment) {
    ConnectionSettings s = new ConnectionSettings();
    ENVIRONMENT.forEach(
        (variable, key) -> {
          String v = environment.get(variable);
          if (v != null && !v.isEmpty()) {
            try {
              s.apply(key, v);
            } catch (IllegalArgumentException e) {
              // a default this client cannot use (a socket directory in PGHOST, say): the
              // connection string or the component's metadata must say instead
              s.ignoredKeys.add(variable);
            }
          }
        });
    String cs = connectionString == null ? "" : connectionString.trim();
    String lower = cs.toLowerCase(Locale.ROOT);
    try {
      if (lower.startsWith("postgres://") || lower.startsWith("postgresql://")) {
        s.parseUrl(cs.substring(cs.indexOf("://") + 3));
      } else if (lower.contains("://")) {
        throw invalid("only the postgres:// and postgresql:// URL schemes are supported");
      } else {
        s.parseKeywords(cs);
      }
    } catch (IllegalArgumentException e) {
      throw ComponentException.invalid("metadata 'connectionString': " + e.getMessage());
    }
    return s;
  }

  /**
   * Applies one keyword as if it were in the connection string: Dapr's separate {@code host},
   * {@code port}, {@code database}, {@code user}, {@code password} and {@code sslRootCert} metadata
   * override the string this way.
   */
  public void override(String metadataKey, String keyword, String value) {
    if (value != null && !value.isEmpty()) {
      try {
        apply(keyword, value);
      } catch (IllegalArgumentException e) {
        throw ComponentException.invalid("metadata '" + metadataKey + "': " + e.getMessage());
      }
    }
  }

  // ---- parsing ----------------------------------------------------------------------------------

  private void parseKeywords(String s) {
    int i = 0;
    int n = s.length();
    while (true) {
      while (i < n && Character.isWhitespace(s.charAt(i))) {
        i++;
      }
      if (i >= n) {
        return;
      }
      int keyStart = i;
      while (i < n && s.charAt(i) != '=' && !Character.isWhitespace(s.charAt(i))) {
        i++;
      }
      String key = s.substring(keyStart, i);
      while (i < n && Character.isWhitespace(s.charAt(i))) {
        i++;
      }
      if (i >= n || s.charAt(i) != '=' || key.isEmpty()) {
        throw invalid("expected keyword=value pairs separated by spaces (or a postgres:// URL)");
      }
      i++;
      while (i < n && Character.isWhitespace(s.charAt(i))) {
        i++;
      }
      StringBuilder value = new StringBuilder();
      if (i < n && s.charAt(i) == '\'') {
        i++;
        boolean closed = false;
        while (i < n) {
          char c = s.charAt(i++);
          if (c == '\\' && i < n) {
            value.append(s.charAt(i++));
          } else if (c == '\'') {
            closed = true;
            break;
          } else {
            value.append(c);
          }
        }
        if (!closed) {
          throw invalid("a quoted value is not closed");
        }
      } else {
        while (i < n && !Character.isWhitespace(s.charAt(i))) {
          char c = s.charAt(i++);
          if (c == '\\' && i < n) {
            value.append(s.charAt(i++));
          } else {
            value.append(c);
          }
        }
      }
      apply(key, value.toString());
    }
  }

  private void parseUrl(String rest) {
    int end = rest.length();
    for (int i = 0; i < rest.length(); i++) {
      char c = rest.charAt(i);
      if (c == '/' || c == '?' || c == '#') {
        end = i;
        break;
      }
    }
    String authority = rest.substring(0, end);
    String tail = rest.substring(end);
    int at = authority.lastIndexOf('@');
    if (at >= 0) {
      String userInfo = authority.substring(0, at);
      authority = authority.substring(at + 1);
      int colon = userInfo.indexOf(':');
      if (colon >= 0) {
        applyIfPresent("user", decode(userInfo.substring(0, colon)));
        apply("password", decode(userInfo.substring(colon + 1)));
      } else {
        applyIfPresent("user", decode(userInfo));
      }
    }
    if (authority.indexOf(',') >= 0) {
      throw invalid("several hosts are not supported; give one host");
    }
    if (!authority.isEmpty()) {
      String hostPart;
      String portPart = null;
      if (authority.startsWith("[")) {
        int close = authority.indexOf(']');
        if (close < 0) {
          throw invalid("an IPv6 host is missing its closing ']'");
        }
        hostPart = authority.substring(1, close);
        String after = authority.substring(close + 1);
        if (after.startsWith(":")) {
          portPart = after.substring(1);
        } else if (!after.isEmpty()) {
          throw invalid("unexpected text after an IPv6 host");
        }
      } else {
        int colon = authority.lastIndexOf(':');
        hostPart = colon >= 0 ? authority.substring(0, colon) : authority;
        portPart = colon >= 0 ? authority.substring(colon + 1) : null;
      }
      applyIfPresent("host", decode(hostPart));
      if (portPart != null && !portPart.isEmpty()) {
        apply("port", decode(portPart));
      }
    }
    int hash = tail.indexOf('#');
    if (hash >= 0) {
      tail = tail.substring(0, hash);
    }
    String path = tail;
    String query = "";
    int q = tail.indexOf('?');
    if (q >= 0) {
      path = tail.substring(0, q);
      query = tail.substring(q + 1);
    }
    if (path.startsWith("/")) {
      applyIfPresent("dbname", decode(path.substring(1)));
    }
    for (String pair : query.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw invalid("URL query parameters must be key=value");
      }
      apply(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
    }
  }

  private void applyIfPresent(String key, String value) {
    if (!value.isEmpty()) {
      apply(key, value);
    }
  }

  private void apply(String rawKey, String value) {
    String key = rawKey.toLowerCase(Locale.ROOT);
    switch (key) {
      case "host" -> {
        if (value.indexOf(',') >= 0) {
          throw invalid("several hosts are not supported; give one host");
        }
        if (value.startsWith("/") || value.startsWith("@")) {
          throw invalid("Unix-domain socket hosts are not supported; give a TCP host name");
        }
        host = value;
      }
      case "hostaddr" -> {
        if (value.indexOf(',') >= 0) {
          throw invalid("several host addresses are not supported; give one");
        }
        hostaddr = value;
      }
      case "port" -> port = parsePort(value);
      case "dbname", "database" -> database = value;
      case "user" -> user = value;
      case "password" -> password = value;
      case "sslmode" -> tlsMode = TlsMode.parse(value);
      case "sslrootcert" -> sslRootCert = value;
      case "sslcert" -> sslCert = value;
      case "sslkey" -> sslKey = value;
      case "connect_timeout" -> {
        long seconds = parseNonNegative(value, "connect_timeout");
        // libpq: zero (or nothing) waits indefinitely; less than 2 s counts as 2 s
        connectTimeout = seconds == 0 ? null : Duration.ofSeconds(Math.max(2, seconds));
      }
      case "application_name" -> applicationName = value;
      case "fallback_application_name" -> fallbackApplicationName = value;
      case "pool_max_conns" -> {
        long max = parseNonNegative(value, "pool_max_conns");
        if (max < 1 || max > 10_000) {
          throw invalid("pool_max_conns must be between 1 and 10000");
        }
        poolMaxConns = (int) max;
      }
      default -> {
        if (IGNORED.contains(key)) {
          ignoredKeys.add(key);
        } else {
          // a run-time parameter of the server (search_path, options, TimeZone...), sent at
          // start-up as pgx does
          runtimeParams.put(rawKey, value);
        }
      }
    }
  }

  private static int parsePort(String value) {
    try {
      int p = Integer.parseInt(value.trim());
      if (p >= 1 && p <= 65535) {
        return p;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw invalid("the port is not a number between 1 and 65535");
  }

  private static long parseNonNegative(String value, String key) {
    try {
      long v = Long.parseLong(value.trim());
      if (v >= 0) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw invalid(key + " is not a non-negative integer");
  }

  /** Percent-decoding as in URLs, UTF-8; '+' stays a '+'. */
  private static String decode(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%') {
        if (i + 2 >= s.length()) {
          throw invalid("a %-escape in the URL is cut short");
        }
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw invalid("the URL holds a malformed %-escape");
        }
        out.write(hi * 16 + lo);
        i += 2;
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static IllegalArgumentException invalid(String what) {
    return new IllegalArgumentException(what);
  }

  // ---- results ----------------------------------------------------------------------------------

  /** The host connected to: {@code hostaddr} when given, else {@code host}, else localhost. */
  public String connectHost() {
    if (hostaddr != null && !hostaddr.isEmpty()) {
      return hostaddr;
    }
    return host == null || host.isEmpty() ? "localhost" : host;
  }

  public int port() {
    return port;
  }

  /** The role: {@code user}, else the operating-system user, as libpq. */
  public String user() {
    if (user != null && !user.isEmpty()) {
      return user;
    }
    String os = System.getProperty("user.name");
    return os == null || os.isEmpty() ? "postgres" : os;
  }

  /** The database: {@code dbname}, else the role's name, as libpq. */
  public String database() {
    return database == null || database.isEmpty() ? user() : database;
  }

  public boolean hasPassword() {
    return password != null && !password.isEmpty();
  }

  public TlsMode tlsMode() {
    return tlsMode;
  }

  /** {@code connect_timeout}, or null when none was given. */
  public Duration connectTimeout() {
    return connectTimeout;
  }

  /** {@code pool_max_conns}, or 0 when not given. */
  public int poolMaxConns() {
    return poolMaxConns;
  }

  public Map<String, String> runtimeParams() {
    return java.util.Collections.unmodifiableMap(runtimeParams);
  }

  /** Keywords given that have no effect here. */
  public Set<String> ignoredKeys() {
    return java.util.Collections.unmodifiableSet(ignoredKeys);
  }

  /**
   * The Vert.x client options. They hold the password: never log them.
   *
   * @param defaultConnectTimeout used when the string gives no {@code connect_timeout}
   * @throws ComponentException when the TLS settings are incomplete
   */
  public PgConnectOptions toConnectOptions(Duration defaultConnectTimeout) {
    if ((tlsMode == TlsMode.VERIFY_CA || tlsMode == TlsMode.VERIFY_FULL)
        && (sslRootCert == null || sslRootCert.isEmpty())) {
      throw ComponentException.invalid(
          "metadata 'connectionString': sslmode "
              + tlsMode.text()
              + " needs sslrootcert (or the sslRootCert key)");
    }
    if ((sslCert == null) != (sslKey == null)) {
      throw ComponentException.invalid(
          "metadata 'connectionString': sslcert and sslkey go together");
    }
    Duration connect = connectTimeout != null ? connectTimeout : defaultConnectTimeout;
    PgConnectOptions o =
        new PgConnectOptions()
            .setHost(connectHost())
            .setPort(port)
            .setUser(user())
            .setDatabase(database())
            .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, connect.toMillis()))
            .setTcpKeepAlive(true)
            .setTcpNoDelay(true);
    // never the client's own default ("pass")
    o.setPassword(hasPassword() ? password : "");
    Map<String, String> props = new LinkedHashMap<>(o.getProperties());
    props.putAll(runtimeParams);
    String app = applicationName != null ? applicationName : fallbackApplicationName;
    props.put("application_name", app != null ? app : "tandem");
    o.setProperties(props);
    switch (tlsMode) {
      case DISABLE -> o.setSslMode(SslMode.DISABLE);
      case ALLOW -> o.setSslMode(SslMode.ALLOW);
      case PREFER -> o.setSslMode(SslMode.PREFER);
      case REQUIRE -> o.setSslMode(SslMode.REQUIRE);
      case VERIFY_CA -> o.setSslMode(SslMode.VERIFY_CA);
      case VERIFY_FULL ->
          o.setSslMode(SslMode.VERIFY_FULL).setHostnameVerificationAlgorithm("HTTPS");
    }
    if (tlsMode != TlsMode.VERIFY_FULL) {
      o.setHostnameVerificationAlgorithm("");
    }
    if (tlsMode != TlsMode.DISABLE) {
      if (sslRootCert != null && !sslRootCert.isEmpty()) {
        o.setPemTrustOptions(new PemTrustOptions().addCertPath(sslRootCert));
      } else {
        // libpq's allow, prefer and require encrypt without checking the server's certificate
        o.setTrustAll(true);
      }
      if (sslCert != null) {
        o.setPemKeyCertOptions(new PemKeyCertOptions().setCertPath(sslCert).setKeyPath(sslKey));
      }
    }
    return o;
  }

  /** Safe to log: no password. */
  @Override
  public String toString() {
    return "postgres://"
        + user()
        + (hasPassword() ? ":***" : "")
        + "@"
        + (connectHost().contains(":") ? "[" + connectHost() + "]" : connectHost())
        + ":"
        + port
        + "/"
        + database()
        + " sslmode="
        + tlsMode.text();
  }
}
