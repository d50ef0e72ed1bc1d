package io.tandem.components.redis.pubsub;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.pubsub.MessageHandler;
import io.tandem.components.pubsub.PubSub;
import io.tandem.components.pubsub.PublishRequest;
import io.tandem.components.pubsub.SubscribeRequest;
import io.tandem.components.pubsub.TopicSubscription;
import io.tandem.components.redis.RedisLink;
import io.tandem.components.redis.RedisSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.ProtocolVersion;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
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
 * <p>Commands go through the pool of a {@link RedisLink}, which watches the server's health like
 * every Redis component's; each subscription's blocking reads use a dedicated connection from a
 * second client, watched by the subscription itself (a blocked read is not a command with a
 * deadline). Both reconnect on their own when Redis goes away; meanwhile {@link #trouble()} says
 * so.
 */
public final class RedisPubSub implements PubSub {
  private static final Logger log = LoggerFactory.getLogger("tandem.components.pubsub.redis");

  /** Connections the subscription readers may hold at once, one each. */
  static final int MAX_SUBSCRIPTIONS = 1024;

  private String name = "redis";
  private RedisSettings settings;
  private StreamsConfig config;
  private RedisLink link;
  private Redis readers;
  private String consumerPrefix;
  private final AtomicInteger subscriptionNumber = new AtomicInteger();
  private final Set<StreamSubscription> subscriptions = ConcurrentHashMap.newKeySet();
  private final Troubles troubles = new Troubles();
  private volatile boolean closed;

  @Override
  public void init(ComponentMetadata metadata, ComponentContext context) throws Exception {
    this.name = metadata.name();
    this.settings = RedisSettings.from(metadata);
    this.config = StreamsConfig.from(metadata, context.appId());
    // RESP2 replies are flat arrays whatever the server version: one way to read streams
    link =
        RedisLink.open(
            "pubsub " + name,
            settings,
            context,
            log,
            o -> o.setPreferredProtocolVersion(ProtocolVersion.RESP2));
    try {
      readers =
          link.newClient(
              o -> {
                o.setMaxPoolSize(MAX_SUBSCRIPTIONS).setMaxPoolWaiting(MAX_SUBSCRIPTIONS);
                // a reader hears from Redis at least every BLOCK_MILLIS: silence means the link is
                // dead
                o.getNetClientOptions()
                    .setReadIdleTimeout((int) (StreamSubscription.BLOCK_MILLIS / 1000 + 10));
                return o;
              });
    } catch (RuntimeException e) {
      link.close();
      throw e;
    }
    String host = context.environment().getOrDefault("HOSTNAME", "");
    byte[] random = new byte[4];
    new SecureRandom().nextBytes(random);
    consumerPrefix =
        (host.isBlank() ? "tandem" : host.trim().replaceAll("[^A-Za-z0-9._-]", "_"))
            + "-"
            + HexFormat.of().formatHex(random);
    log.info("pubsub {}: Redis Streams on {}, {}", name, settings, config);
  }

  @Override
  public Set<String> features() {
    return Set.of();
  }

  /** The pool's trouble (see {@link RedisLink}), then the subscriptions' readers'. */
  @Override
  public Optional<String> trouble() {
    RedisLink l = link;
    Optional<String> pool = l == null ? Optional.empty() : l.trouble();
    Optional<String> reading = troubles.current();
    if (pool.isEmpty() || reading.isEmpty()) {
      return pool.isPresent() ? pool : reading;
    }
    return Optional.of(pool.get() + "; " + reading.get());
  }

  @Override
  public CompletionStage<Void> publish(PublishRequest request) {
    if (closed || link == null) {
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
    link.call(xadd)
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                done.complete(null);
                if (config.maxLenApprox() > 0 && !config.streamTtl().isZero()) {
                  trimByAge(request.topic(), now);
                }
                return;
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
    link.call(
            Request.cmd(Command.XTRIM)
                .arg(topic)
                .arg("MINID")
                .arg("~")
                .arg(StreamWire.minId(config.streamTtl(), now)))
        .onFailure(e -> log.debug("pubsub {}: XTRIM of {} failed: {}", name, topic, describe(e)));
  }

  @Override
  public TopicSubscription subscribe(SubscribeRequest request, MessageHandler handler) {
    if (closed || link == null) {
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
    if (readers != null) {
      readers.close();
    }
    if (link != null) {
      link.close();
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
    return link.vertx();
  }

  /** One command on the pool, under {@code readTimeout}; see {@link RedisLink#call}. */
  Future<Response> command(Request request) {
    return link.call(request);
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

  /** The failure's message, with the password blanked out should a client library quote it. */
  String describe(Throwable err) {
    return link.describe(err);
  }

  /** The reconnect back-off before retry {@code attempt} (1 for the first), in milliseconds. */
  long reconnectDelay(int attempt) {
    return settings.retryDelay(attempt).toMillis();
  }
}
