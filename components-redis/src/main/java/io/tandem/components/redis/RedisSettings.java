package io.tandem.components.redis;

import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.RedisRole;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The connection metadata every Redis component shares, with Dapr's keys: {@code redisHost}, {@code
 * redisUsername}, {@code redisPassword}, {@code enableTLS}, {@code redisDB}, {@code redisType}
 * ({@code node} or {@code cluster}), {@code failover} with {@code sentinelMasterName}, {@code
 * poolSize}, {@code dialTimeout} and {@code redisMaxRetries}/{@code redisMinRetryInterval}/ {@code
 * redisMaxRetryInterval} (the reconnect back-off).
 */
public record RedisSettings(
    List<String> hosts,
    String username,
    String password,
    boolean tls,
    int database,
    RedisClientType clientType,
    String sentinelMaster,
    int poolSize,
    Duration dialTimeout,
    Duration minRetryInterval,
    Duration maxRetryInterval) {

  /** Reads and checks the metadata; a wrong value fails naming its key. */
  public static RedisSettings from(ComponentMetadata md) {
    String hostList = md.required("redisHost");
    List<String> hosts = new ArrayList<>();
    for (String h : hostList.split(",")) {
      String t = h.trim();
      if (t.isEmpty()) {
        continue;
      }
      int colon = t.lastIndexOf(':');
      if (colon <= 0 || colon == t.length() - 1) {
        throw ComponentException.invalid("redisHost: expected host:port, got \"" + t + "\"");
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
    Duration minRetry = md.getDuration("redisMinRetryInterval", Duration.ofMillis(8));
    Duration maxRetry = md.getDuration("redisMaxRetryInterval", Duration.ofMillis(512));
    if (minRetry.isNegative() || minRetry.isZero()) {
      minRetry = Duration.ofMillis(8);
    }
    if (maxRetry.compareTo(minRetry) < 0) {
      maxRetry = minRetry;
    }
    return new RedisSettings(
        List.copyOf(hosts),
        md.get("redisUsername", ""),
        md.get("redisPassword", ""),
        md.getBoolean("enableTLS", false),
        db,
        clientType,
        master,
        pool,
        dial,
        minRetry,
        maxRetry);
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
        .setNetClientOptions(
            new NetClientOptions()
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, dialTimeout.toMillis()))
                .setTcpKeepAlive(true)
                .setTcpNoDelay(true)
                .setSsl(tls));
    return o;
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

  /** The host list only: safe to log. */
  @Override
  public String toString() {
    return "redis " + String.join(",", hosts) + " db " + database + " (" + clientType + ")";
  }
}
