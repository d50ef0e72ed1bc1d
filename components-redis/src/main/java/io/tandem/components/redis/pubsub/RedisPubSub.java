package io.tandem.components.redis.pubsub;

import io.tandem.components.Completions;
import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.pubsub.MessageHandler;
import io.tandem.components.pubsub.PubSub;
import io.tandem.components.pubsub.PublishRequest;
import io.tandem.components.pubsub.SubscribeRequest;
import io.tandem.components.pubsub.TopicSubscription;
import io.tandem.components.redis.RedisSettings;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.ProtocolVersion;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code pubsub.redis}: Dapr's Redis Streams broker. One stream per topic (the key is the topic
 * name), entries written as Dapr writes them (see {@link StreamWire}), one consumer group per
 * {@code consumerID} (the app id unless set), created from the start of the stream with {@code
 * MKSTREAM}. Each subscription is a consumer of its own in that group, so the replicas of an app
 * share the messages and different apps each get all of them; see {@link StreamSubscription} for
 * delivery, acknowledgement, redelivery and reclaiming.
 *
 * <p>Commands go through a pool of connections; each subscription's blocking reads use a dedicated
 * connection from a second client. Both reconnect on their own when Redis goes away; meanwhile
 * {@link #trouble()} says so.
 */
public final class RedisPubSub implements PubSub {
  private static final Logger log = LoggerFactory.getLogger("tandem.components.pubsub.redis");

  /** Connections the subscription readers may hold at once, one each. */
  static final int MAX_SUBSCRIPTIONS = 1024;

  private static final String POOL = " pool";

  private String name = "redis";
  private RedisSettings settings;
  private StreamsConfig config;
  private Vertx vertx;
  private Vertx ownVertx;
  private Redis pool;
  private Redis readers;
  private String consumerPrefix;
  private final AtomicInteger subscriptionNumber = new AtomicInteger();
  private final Set<StreamSubscription> subscriptions = ConcurrentHashMap.newKeySet();
  private final Troubles troubles = new Troubles();
  private final AtomicBoolean probing = new AtomicBoolean();
  private volatile boolean poolInTrouble;
  private volatile boolean closed;

  @Override
  public void init(ComponentMetadata metadata, ComponentContext context) throws Exception {
    this.name = metadata.name();
    this.settings = RedisSettings.from(metadata);
    this.config = StreamsConfig.from(metadata, context.appId());
    this.vertx = context.shared(Vertx.class).orElse(null);
    if (vertx == null) {
      ownVertx = Vertx.vertx();
      vertx = ownVertx;
    }
    pool = Redis.createClient(vertx, options());
    RedisOptions readerOptions =
        options().setMaxPoolSize(MAX_SUBSCRIPTIONS).setMaxPoolWaiting(MAX_SUBSCRIPTIONS);
    // a reader hears from Redis at least every BLOCK_MILLIS: silence means the link is dead
    readerOptions
        .getNetClientOptions()
        .setReadIdleTimeout((int) (StreamSubscription.BLOCK_MILLIS / 1000 + 10));
    readers = Redis.createClient(vertx, readerOptions);
    String host = context.environment().getOrDefault("HOSTNAME", "");
    byte[] random = new byte[4];
    new SecureRandom().nextBytes(random);
    consumerPrefix =
        (host.isBlank() ? "tandem" : host.trim().replaceAll("[^A-Za-z0-9._-]", "_"))
            + "-"
            + HexFormat.of().formatHex(random);
    try {
      pool.send(Request.cmd(Command.PING))
          .toCompletionStage()
          .toCompletableFuture()
          .get(settings.dialTimeout().toMillis() + 5000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      String why = e instanceof TimeoutException ? "no answer" : describe(e.getCause());
      close();
      throw ComponentException.failure(
          "pubsub " + name + ": cannot reach " + settings + ": " + why, null);
    }
    log.info("pubsub {}: Redis Streams on {}, {}", name, settings, config);
  }

  private RedisOptions options() {
    // RESP2 replies are flat arrays whatever the server version: one way to read streams
    return settings.toOptions().setPreferredProtocolVersion(ProtocolVersion.RESP2);
  }

  @Override
  public Set<String> features() {
    return Set.of();
  }

  @Override
  public Optional<String> trouble() {
    return troubles.current();
  }

  @Override
  public CompletionStage<Void> publish(PublishRequest request) {
    if (closed || pool == null) {
      return CompletableFuture.failedFuture(
          new ComponentException(
              ComponentException.Reason.FAILURE, "pubsub " + name + " is closed"));
    }
    if (request.topic() == null || request.topic().isEmpty()) {
      return CompletableFuture.failedFuture(ComponentException.invalid("the topic is empty"));
    }
    long now = System.currentTimeMillis();
    Request xadd = Request.cmd(Command.XADD);
    for (Object a : StreamWire.xaddArgs(request, config.maxLenApprox(), config.streamTtl(), now)) {
      if (a instanceof byte[] b) {
        xadd.arg(b);
      } else {
        xadd.arg((String) a);
      }
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    pool.send(xadd)
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                poolWorked();
                done.complete(null);
                if (config.maxLenApprox() > 0 && !config.streamTtl().isZero()) {
                  trimByAge(request.topic(), now);
                }
                return;
              }
              if (!isReply(ar.cause())) {
                poolFailed(ar.cause());
              }
              done.completeExceptionally(
                  ComponentException.failure(
                      "pubsub "
                          + name
                          + ": publishing to topic "
                          + request.topic()
                          + " failed: "
                          + describe(ar.cause()),
                      null));
            });
    return done;
  }

  /** With both caps set, XADD trims by length and this by age. */
  private void trimByAge(String topic, long now) {
    pool.send(
            Request.cmd(Command.XTRIM)
                .arg(topic)
                .arg("MINID")
                .arg("~")
                .arg(StreamWire.minId(config.streamTtl(), now)))
        .onFailure(e -> log.debug("pubsub {}: XTRIM of {} failed: {}", name, topic, describe(e)));
  }

  @Override
  public TopicSubscription subscribe(SubscribeRequest request, MessageHandler handler) {
    if (closed || pool == null) {
      throw new ComponentException(
          ComponentException.Reason.FAILURE, "pubsub " + name + " is closed");
    }
    if (request.topic() == null || request.topic().isEmpty()) {
      throw ComponentException.invalid("the topic is empty");
    }
    StreamSubscription s =
        new StreamSubscription(
            this,
            request.topic(),
            consumerPrefix + "-" + subscriptionNumber.incrementAndGet(),
            handler,
            log);
    subscriptions.add(s);
    s.start();
    log.debug(
        "pubsub {}: subscribed to {} as consumer {} of group {}",
        name,
        request.topic(),
        s.consumer(),
        config.consumerId());
    return () -> {
      s.close();
      subscriptions.remove(s);
    };
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    subscriptions.forEach(StreamSubscription::close);
    subscriptions.clear();
    // closing the readers' client ends their blocked reads too
    closeClients();
    if (ownVertx != null) {
      ownVertx.close();
    }
  }

  private void closeClients() {
    if (readers != null) {
      readers.close();
    }
    if (pool != null) {
      pool.close();
    }
  }

  // ---- shared with the subscriptions

  String name() {
    return name;
  }

  StreamsConfig config() {
    return config;
  }

  Vertx vertx() {
    return vertx;
  }

  Redis pool() {
    return pool;
  }

  Redis readers() {
    return readers;
  }

  /** The consumer names of the open subscriptions. */
  List<String> consumers() {
    return subscriptions.stream().map(StreamSubscription::consumer).toList();
  }

  /** How the trouble messages name the server. */
  String server() {
    return String.valueOf(settings);
  }

  Troubles troubles() {
    return troubles;
  }

  boolean isClosed() {
    return closed;
  }

  /** A pooled command worked: the pool is connected. */
  void poolWorked() {
    if (poolInTrouble) {
      poolInTrouble = false;
      troubles.clear(POOL);
      log.info("pubsub {}: connected to {} again", name, settings);
    }
  }

  /** A pooled command failed without an answer from Redis: report it and probe until it answers. */
  void poolFailed(Throwable err) {
    if (closed) {
      return;
    }
    if (!poolInTrouble) {
      log.warn("pubsub {}: {} unreachable: {}", name, settings, describe(err));
    }
    poolInTrouble = true;
    troubles.set(
        POOL, "pubsub " + name + ": " + settings + ": " + describe(err) + ", reconnecting");
    if (probing.compareAndSet(false, true)) {
      probe(1);
    }
  }

  private void probe(int attempt) {
    if (closed || !poolInTrouble) {
      probing.set(false);
      return;
    }
    try {
      vertx.setTimer(
          reconnectDelay(attempt),
          t ->
              pool.send(Request.cmd(Command.PING))
                  .onComplete(
                      ar -> {
                        if (ar.succeeded()) {
                          probing.set(false);
                          poolWorked();
                        } else {
                          troubles.set(
                              POOL,
                              "pubsub "
                                  + name
                                  + ": "
                                  + settings
                                  + ": "
                                  + describe(ar.cause())
                                  + ", reconnecting");
                          probe(attempt + 1);
                        }
                      }));
    } catch (IllegalStateException e) {
      probing.set(false);
    }
  }

  /**
   * Whether {@code err} is Redis answering with an error, as opposed to no answer at all. (The
   * client reports a lost connection and an unreadable answer with the same type as Redis's errors,
   * as {@code CONNECTION_CLOSED} and {@code ILLEGAL_STATE ...}.)
   */
  static boolean isReply(Throwable err) {
    if (err == null || !(Completions.unwrap(err) instanceof Response)) {
      return false;
    }
    String m = String.valueOf(Completions.unwrap(err).getMessage());
    return !m.startsWith("CONNECTION_CLOSED") && !m.startsWith("ILLEGAL_STATE");
  }

  /** The failure's message, with the password blanked out should a client library quote it. */
  String describe(Throwable err) {
    if (err == null) {
      return "unknown error";
    }
    Throwable c = Completions.unwrap(err);
    String m = c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName();
    if (settings != null && !settings.password().isEmpty()) {
      String p = settings.password();
      m = m.replace(p, "****");
      m = m.replace(URLEncoder.encode(p, StandardCharsets.UTF_8).replace("+", "%20"), "****");
    }
    return m;
  }

  /**
   * The reconnect back-off, Dapr's {@code redisMinRetryInterval} (8 ms) doubling up to {@code
   * redisMaxRetryInterval} (512 ms): the wait before attempt {@code attempt} (1 for the first
   * retry).
   */
  long reconnectDelay(int attempt) {
    long min = Math.max(1, settings.minRetryInterval().toMillis());
    long max = Math.max(min, settings.maxRetryInterval().toMillis());
    int n = Math.max(0, Math.min(attempt - 1, 30));
    long d = min << n;
    return d <= 0 || d > max ? max : d;
  }
}
