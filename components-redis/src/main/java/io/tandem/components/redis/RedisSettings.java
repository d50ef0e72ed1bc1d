package io.tandem.components.redis;

import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.RedisRole;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The connection metadata every Redis component shares, with Dapr's keys: {@code redisHost} (and
 * {@code redisPort} for hosts given without one), {@code redisUsername}, {@code redisPassword},
 * {@code enableTLS} with {@code insecureSkipTLSVerify} and {@code clientCert}/{@code clientKey},
 * {@code redisDB}, {@code redisType} ({@code node} or {@code cluster}), {@code failover} with
 * {@code sentinelMasterName}, {@code poolSize}, {@code dialTimeout}, {@code readTimeout}/{@code
 * writeTimeout} (the deadline of a command) and {@code redisMinRetryInterval}/{@code
 * redisMaxRetryInterval} (the reconnect back-off).
 *
 * <p>Keys that would change how Tandem authenticates or connects and that it does not implement are
 * refused, naming the key, rather than ignored: {@code sentinelUsername}, {@code sentinelPassword},
 * {@code useEntraID} (or {@code useAzureAD}) and {@code useOIDC}.
 *
 * @param insecureSkipTlsVerify {@code insecureSkipTLSVerify}: with TLS, trust any server
 *     certificate for any host name (for tests only)
 * @param clientCert {@code clientCert}: a PEM client certificate for TLS, or empty
 * @param clientKey {@code clientKey}: its PEM private key, or empty; never logged
 * @param readTimeout {@code readTimeout} (3 s; {@code 0} is the default, a negative value means no
 *     limit, given as {@code null})
 * @param writeTimeout {@code writeTimeout} (the read timeout; the same rules)
 */
public record RedisSettings(
    List<String> hosts,
    String username,
    String password,
    boolean tls,
    boolean insecureSkipTlsVerify,
    String clientCert,
    String clientKey,
    int database,
    RedisClientType clientType,
    String sentinelMaster,
    int poolSize,
    Duration dialTimeout,
    Duration readTimeout,
    Duration writeTimeout,
    Duration minRetryInterval,
    Duration maxRetryInterval) {

  /** The deadline of a command when {@code readTimeout} is not given, as in Dapr. */
  public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(3);

  /** Reads and checks the metadata; a wrong value fails naming its key. */
  public static RedisSettings from(ComponentMetadata md) {
    refuseUnsupported(md);
    String hostList = md.required("redisHost");
    int defaultPort = md.getInt("redisPort", 0);
    if (defaultPort < 0 || defaultPort > 65535) {
      throw ComponentException.invalid(
          "component " + md.name() + ": metadata 'redisPort' is not a port: " + defaultPort);
    }
    List<String> hosts = new ArrayList<>();
    for (String h : hostList.split(",")) {
      String t = h.trim();
      if (t.isEmpty()) {
        continue;
      }
      if (defaultPort > 0 && t.indexOf(':') < 0) {
        t = t + ":" + defaultPort; // as Dapr: redisPort completes a host given without a port
      }
      int colon = t.lastIndexOf(':');
      if (colon <= 0 || colon == t.length() - 1) {
        throw ComponentException.invalid("redisHost: expected host:port, got \"" + t + "\"");
      }
      if (defaultPort > 0 && !t.substring(colon + 1).equals(Integer.toString(defaultPort))) {
        throw ComponentException.invalid(
            "component "
                + md.name()
                + ": metadata 'redisPort' is "
                + defaultPort
                + " but redisHost \""
                + t
                + "\" names another port: give the port in one place");
      }
      try {
        int port = Integer.parseInt(t.substring(colon + 1));
        if (port < 1 || port > 65535) {
          throw new NumberFormatException();
        }
      } catch (NumberFormatException e) {
        throw ComponentException.invalid("redisHost: bad port in \"" + t + "\"");
      }
      hosts.add(t);
    }
    if (hosts.isEmpty()) {
      throw ComponentException.invalid("redisHost: no address given");
    }
    String type = md.get("redisType", "node").trim().toLowerCase();
    boolean failover = md.getBoolean("failover", false);
    RedisClientType clientType;
    switch (type) {
      case "node", "" ->
          clientType = failover ? RedisClientType.SENTINEL : RedisClientType.STANDALONE;
      case "cluster" -> clientType = RedisClientType.CLUSTER;
      default ->
          throw ComponentException.invalid(
              "redisType: expected \"node\" or \"cluster\", got \"" + type + "\"");
    }
    String master = md.get("sentinelMasterName", "");
    if (failover && master.isBlank()) {
      throw ComponentException.invalid("sentinelMasterName: required when failover is true");
    }
    int db = md.getInt("redisDB", 0);
    if (db < 0) {
      throw ComponentException.invalid("redisDB: must not be negative");
    }
    int pool = md.getInt("poolSize", 10 * Runtime.getRuntime().availableProcessors());
    if (pool < 1) {
      throw ComponentException.invalid("poolSize: must be at least 1");
    }
    Duration dial = md.getDuration("dialTimeout", Duration.ofSeconds(5));
    Duration read = timeout(md.getDuration("readTimeout", Duration.ZERO), DEFAULT_READ_TIMEOUT);
    Duration write =
        md.get("writeTimeout", "").isBlank()
            ? read
            : timeout(md.getDuration("writeTimeout", Duration.ZERO), read);
    Duration minRetry = md.getDuration("redisMinRetryInterval", Duration.ofMillis(8));
    Duration maxRetry = md.getDuration("redisMaxRetryInterval", Duration.ofMillis(512));
    if (minRetry.isNegative() || minRetry.isZero()) {
      minRetry = Duration.ofMillis(8);
    }
    if (maxRetry.compareTo(minRetry) < 0) {
      maxRetry = minRetry;
    }
    boolean tls = md.getBoolean("enableTLS", false);
    String cert = md.get("clientCert", "");
    String key = md.get("clientKey", "");
    if (!cert.isBlank() || !key.isBlank()) {
      if (cert.isBlank() || key.isBlank()) {
        String missing = cert.isBlank() ? "clientCert" : "clientKey";
        String given = cert.isBlank() ? "clientKey" : "clientCert";
        throw ComponentException.invalid(
            "component "
                + md.name()
                + ": metadata '"
                + missing
                + "' is required with '"
                + given
                + "'");
      }
      if (!tls) {
        throw ComponentException.invalid(
            "component "
                + md.name()
                + ": metadata 'clientCert' and 'clientKey' need 'enableTLS' set to true");
      }
    }
    return new RedisSettings(
        List.copyOf(hosts),
        md.get("redisUsername", ""),
        md.get("redisPassword", ""),
        tls,
        md.getBoolean("insecureSkipTLSVerify", false),
        cert.isBlank() ? "" : cert,
        key.isBlank() ? "" : key,
        db,
        clientType,
        master,
        pool,
        dial,
        read,
        write,
        minRetry,
        maxRetry);
  }

  /**
   * Refuses the keys of Dapr's Redis settings that would change authentication or the connection
   * and that Tandem does not implement, so that they are not silently ignored.
   */
  private static void refuseUnsupported(ComponentMetadata md) {
    for (String key : List.of("sentinelUsername", "sentinelPassword")) {
      if (!md.get(key, "").isBlank()) {
        throw ComponentException.invalid(
            "component "
                + md.name()
                + ": metadata '"
                + key
                + "' is not supported: Tandem cannot log in to Sentinels with credentials of"
                + " their own (redisUsername and redisPassword are sent to them)");
      }
    }
    if (md.getBoolean("useEntraID", false) || md.getBoolean("useAzureAD", false)) {
      throw ComponentException.invalid(
          "component " + md.name() + ": metadata 'useEntraID' is not supported");
    }
    if (md.getBoolean("useOIDC", false)) {
      throw ComponentException.invalid(
          "component " + md.name() + ": metadata 'useOIDC' is not supported");
    }
  }

  /** The client certificate and key for TLS, or empty when none is configured. */
  public Optional<PemKeyCertOptions> clientCertificate() {
    if (clientCert.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new PemKeyCertOptions()
            .addCertValue(Buffer.buffer(clientCert))
            .addKeyValue(Buffer.buffer(clientKey)));
  }

  /** Dapr's rule: zero means the default, a negative value means no limit ({@code null}). */
  private static Duration timeout(Duration given, Duration fallback) {
    if (given.isZero()) {
      return fallback;
    }
    return given.isNegative() ? null : given;
  }

  /**
   * The reconnect back-off: the wait before retry number {@code attempt} (1 for the first), {@code
   * redisMinRetryInterval} doubling up to {@code redisMaxRetryInterval}.
   */
  public Duration retryDelay(int attempt) {
    long min = Math.max(1, minRetryInterval.toMillis());
    long max = Math.max(min, maxRetryInterval.toMillis());
    int doublings = Math.max(0, Math.min(attempt - 1, 30));
    long d = min << doublings;
    return Duration.ofMillis(d <= 0 || d > max ? max : d);
  }

  /**
   * {@code text} with the password, if any, blotted out (as given and as written in a connection
   * URI): for log lines, trouble reports and error messages.
   */
  public String redact(String text) {
    if (text == null) {
      return null;
    }
    String out = text;
    if (!password.isEmpty()) {
      out = out.replace(password, "*****").replace(enc(password), "*****");
    }
    return clientKey.isEmpty() ? out : out.replace(clientKey, "*****");
  }

  /** The Vert.x client options; never logged, as they carry the password. */
  public RedisOptions toOptions() {
    RedisOptions o = new RedisOptions().setType(clientType);
    for (String host : hosts) {
      o.addConnectionString(uri(host));
    }
    if (clientType == RedisClientType.SENTINEL) {
      o.setMasterName(sentinelMaster).setRole(RedisRole.MASTER);
    }
    o.setMaxPoolSize(poolSize)
        .setMaxPoolWaiting(Math.max(1024, poolSize * 64))
        .setMaxWaitingHandlers(4096)
        .setNetClientOptions(netClientOptions());
    return o;
  }

  /**
   * TCP and TLS options: with TLS the server's certificate is checked against the JVM's trusted CAs
   * and its host name, unless {@code insecureSkipTLSVerify}; a client certificate is offered when
   * configured.
   */
  NetClientOptions netClientOptions() {
    NetClientOptions net =
        new NetClientOptions()
            .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, dialTimeout.toMillis()))
            .setTcpKeepAlive(true)
            .setTcpNoDelay(true)
            .setSsl(tls);
    if (tls) {
      if (insecureSkipTlsVerify) {
        net.setTrustAll(true).setHostnameVerificationAlgorithm("");
      } else {
        net.setHostnameVerificationAlgorithm("HTTPS");
      }
      clientCertificate().ifPresent(net::setKeyCertOptions);
    }
    return net;
  }

  private String uri(String host) {
    StringBuilder b = new StringBuilder(tls ? "rediss://" : "redis://");
    if (!password.isEmpty()) {
      if (!username.isEmpty()) {
        b.append(enc(username));
      }
      b.append(':').append(enc(password)).append('@');
    }
    b.append(host);
    if (clientType != RedisClientType.CLUSTER) {
      b.append('/').append(database);
    }
    return b.toString();
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** The host list only: safe to log (no password, no key). */
  @Override
  public String toString() {
    return "redis " + String.join(",", hosts) + " db " + database + " (" + clientType + ")";
  }
}
