package io.tandem.components.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.ShutdownSignalException;
import io.tandem.components.Completions;
import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.pubsub.BulkMessageEntry;
import io.tandem.components.pubsub.BulkPublishRequest;
import io.tandem.components.pubsub.BulkPublishResponse;
import io.tandem.components.pubsub.MessageHandler;
import io.tandem.components.pubsub.PubSub;
import io.tandem.components.pubsub.PublishRequest;
import io.tandem.components.pubsub.SubscribeRequest;
import io.tandem.components.pubsub.TopicSubscription;
import java.io.IOException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code pubsub.rabbitmq}: Dapr's RabbitMQ pub/sub on the official Java client.
 *
 * <p>A topic is a durable (by default) exchange of kind {@code exchangeKind} named after the topic.
 * Each subscription reads its own queue, {@code {consumerID}-{topic}} unless the subscription names
 * one with {@code queueName}, bound to that exchange: replicas of one app share the queue and so
 * the work, while different apps each get every message. See {@code docs/components/rabbitmq.md}
 * for the metadata and how the delivery guarantees depend on it.
 *
 * <p>Two connections, each with its own thread ({@link Link}): one publishes, one consumes, so that
 * a broker blocking publishers (memory or disk alarm) never stops acknowledgements. Both reconnect
 * with a back-off and report through {@link #trouble()} while they are down.
 */
public final class RabbitMqPubSub implements PubSub {
  private static final Logger log = LoggerFactory.getLogger("tandem.components.pubsub.rabbitmq");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration SUBSCRIBE_TIMEOUT = Duration.ofSeconds(30);

  private RabbitMqSettings settings;
  private Publisher publisher;
  private Link publishLink;
  private Link consumeLink;
  private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  @Override
  public void init(ComponentMetadata metadata, ComponentContext context) throws Exception {
    settings = RabbitMqSettings.from(metadata, context.appId());
    ConnectionFactory factory = connectionFactory(settings);
    publisher = new Publisher(settings);
    publishLink = new Link("publish", settings, factory, publisher);
    publisher.attach(publishLink);
    consumeLink = new Link("consume", settings, factory, new Consumers());
    try {
      publishLink.start(START_TIMEOUT);
      consumeLink.start(START_TIMEOUT);
    } catch (Exception e) {
      close();
      throw ComponentException.failure(
          "component "
              + settings.name
              + ": cannot connect to RabbitMQ at "
              + settings.endpoint()
              + ": "
              + Publisher.brokerMessage(e),
          e);
    }
    log.info("pubsub {}: connected to RabbitMQ, {}", settings.name, settings);
  }

  /** Per-message TTL: RabbitMQ expires messages itself ({@code expiration} property). */
  @Override
  public Set<String> features() {
    return Set.of(FEATURE_MESSAGE_TTL);
  }

  @Override
  public Optional<String> trouble() {
    if (settings == null) {
      return Optional.empty();
    }
    List<String> parts = new ArrayList<>(2);
    String p = publishLink.trouble();
    if (p != null) {
      parts.add(p);
    }
    String c = consumeLink.trouble();
    if (c != null) {
      parts.add(c);
    } else {
      for (Subscription s : subscriptions) {
        String t = s.trouble();
        if (t != null) {
          parts.add(t);
        }
      }
    }
    return parts.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", parts));
  }

  @Override
  public CompletionStage<Void> publish(PublishRequest request) {
    if (closed || publisher == null) {
      return CompletableFuture.failedFuture(
          new ComponentException(
              ComponentException.Reason.FAILURE, "pubsub " + name() + " is closed"));
    }
    if (request.topic() == null || request.topic().isEmpty()) {
      return CompletableFuture.failedFuture(ComponentException.invalid("the topic is empty"));
    }
    Map<String, String> md = request.metadata();
    return publisher.publish(
        new Publisher.Outgoing(
            request.topic(),
            lookup(md, "routingKey").orElse(""),
            properties(settings, request),
            request.data()));
  }

  /**
   * Publishes the entries in order on the one publishing channel without waiting for each confirm
   * before sending the next (the default would wait): the confirms arrive together.
   */
  @Override
  public CompletionStage<BulkPublishResponse> bulkPublish(BulkPublishRequest request) {
    List<CompletableFuture<BulkPublishResponse.FailedEntry>> outcomes = new ArrayList<>();
    for (BulkMessageEntry e : request.entries()) {
      CompletionStage<Void> sent;
      try {
        sent =
            publish(
                new PublishRequest(
                    request.topic(),
                    e.event(),
                    e.contentType(),
                    e.metadata().isEmpty() ? request.metadata() : e.metadata()));
      } catch (RuntimeException ex) {
        sent = CompletableFuture.failedFuture(ex);
      }
      outcomes.add(
          sent.handle(
                  (v, err) ->
                      err == null
                          ? null
                          : new BulkPublishResponse.FailedEntry(
                              e.entryId(), Completions.message(err)))
              .toCompletableFuture());
    }
    return CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new))
        .thenApply(
            v ->
                new BulkPublishResponse(
                    outcomes.stream()
                        .map(CompletableFuture::join)
                        .filter(f -> f != null)
                        .toList()));
  }

  @Override
  public TopicSubscription subscribe(SubscribeRequest request, MessageHandler handler) {
    if (closed || consumeLink == null) {
      throw new ComponentException(
          ComponentException.Reason.FAILURE, "pubsub " + name() + " is closed");
    }
    if (request.topic() == null || request.topic().isEmpty()) {
      throw ComponentException.invalid("the topic is empty");
    }
    Subscription.Topology topology = topology(settings, request);
    Subscription[] self = new Subscription[1];
    Subscription s =
        new Subscription(
            settings,
            consumeLink,
            request.topic(),
            topology,
            handler,
            () -> subscriptions.remove(self[0]));
    self[0] = s;
    subscriptions.add(s);
    try {
      consumeLink.call(
          () -> {
            Connection c = consumeLink.connection();
            if (c != null) {
              s.attach(c);
            }
            // else: not connected now; the subscription starts once the link is back
            return null;
          },
          SUBSCRIBE_TIMEOUT);
    } catch (Exception e) {
      s.close();
      throw ComponentException.failure(
          "cannot subscribe to topic "
              + request.topic()
              + " (queue "
              + topology.queue()
              + "): "
              + Publisher.brokerMessage(e),
          e);
    }
    log.info(
        "pubsub {}: subscribed to topic {} with queue {}",
        settings.name,
        request.topic(),
        topology.queue());
    return s;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Subscription s : subscriptions) {
      s.close();
    }
    if (publishLink != null) {
      try {
        publishLink.call(
            () -> {
              publisher.close();
              return null;
            },
            Duration.ofSeconds(5));
      } catch (Exception e) {
        log.debug("pubsub {}: closing the publisher: {}", name(), e.toString());
      }
      publishLink.close();
    }
    if (consumeLink != null) {
      consumeLink.close();
    }
  }

  /** The consuming link's owner: every subscription rides on its connection. */
  private final class Consumers implements Link.Owner {
    @Override
    public void connected(Connection connection) {
      for (Subscription s : subscriptions) {
        try {
          s.attach(connection);
        } catch (IOException | RuntimeException e) {
          s.attachFailed(e);
        }
      }
    }

    @Override
    public void lost(ShutdownSignalException cause) {
      for (Subscription s : subscriptions) {
        s.lost();
      }
    }
  }

  // ---- pure translation from metadata

  private String name() {
    return settings != null ? settings.name : "rabbitmq";
  }

  static ConnectionFactory connectionFactory(RabbitMqSettings s) throws NoSuchAlgorithmException {
    ConnectionFactory f = new ConnectionFactory();
    f.setHost(s.host);
    f.setPort(s.port);
    f.setUsername(s.username);
    f.setPassword(s.password());
    f.setVirtualHost(s.virtualHost);
    f.setRequestedHeartbeat((int) Math.min(Integer.MAX_VALUE, s.heartBeat.toSeconds()));
    f.setConnectionTimeout(10_000);
    f.setHandshakeTimeout(10_000);
    f.setChannelRpcTimeout(15_000);
    f.setShutdownTimeout(2_000);
    // our Links reconnect and rebuild; the client's recovery would race with them
    f.setAutomaticRecoveryEnabled(false);
    f.setTopologyRecoveryEnabled(false);
    if (s.tls) {
      // the JVM's trust store and hostname verification; never the client's trust-all default
      f.useSslProtocol(SSLContext.getDefault());
      f.enableHostnameVerification();
    }
    AtomicInteger n = new AtomicInteger();
    String prefix = "rabbitmq-" + s.name + "-client-";
    f.setThreadFactory(
        r -> {
          Thread t = new Thread(r, prefix + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    return f;
  }

  static AMQP.BasicProperties properties(RabbitMqSettings s, PublishRequest request) {
    Map<String, String> md = request.metadata();
    AMQP.BasicProperties.Builder b = new AMQP.BasicProperties.Builder();
    b.contentType(lookup(md, "contentType").orElse(request.contentType()));
    if (s.deliveryMode > 0) {
      b.deliveryMode(s.deliveryMode);
    }
    Optional<String> ttl = lookup(md, TTL_IN_SECONDS);
    Long ttlMs = null;
    if (ttl.isPresent()) {
      try {
        long seconds = Long.parseLong(ttl.get().trim());
        if (seconds > 0) {
          ttlMs = Math.multiplyExact(seconds, 1000L);
        }
      } catch (NumberFormatException | ArithmeticException e) {
        log.debug("pubsub {}: ignoring ttlInSeconds '{}'", s.name, ttl.get());
      }
    }
    if (ttlMs == null && s.defaultTtl.isPresent()) {
      ttlMs = s.defaultTtl.get().toMillis();
    }
    if (ttlMs != null) {
      b.expiration(Long.toString(ttlMs));
    }
    lookup(md, "priority")
        .ifPresent(
            p -> {
              try {
                int v = Integer.parseInt(p.trim());
                if (v >= 0 && v <= 255) {
                  b.priority(v);
                }
              } catch (NumberFormatException e) {
                log.debug("pubsub {}: ignoring priority '{}'", s.name, p);
              }
            });
    b.messageId(lookup(md, "messageID").orElseGet(() -> UUID.randomUUID().toString()));
    lookup(md, "correlationID").ifPresent(b::correlationId);
    lookup(md, "type").ifPresent(b::type);
    return b.build();
  }

  static Subscription.Topology topology(RabbitMqSettings s, SubscribeRequest request) {
    Map<String, String> md = request.metadata();
    String queue = lookup(md, "queueName").orElseGet(() -> s.queueName(request.topic()));
    List<String> keys = Arrays.asList(lookup(md, "routingKey").orElse("").split(",", -1));
    Map<String, Object> args = new HashMap<>();
    String dlx = null;
    String dlq = null;
    Map<String, Object> dlqArgs = null;
    if (s.enableDeadLetter) {
      dlx = RabbitMqSettings.deadLetterExchange(queue);
      dlq = RabbitMqSettings.deadLetterQueue(queue);
      dlqArgs = new HashMap<>();
      limits(s, dlqArgs);
      dlqArgs.put("x-queue-mode", "lazy");
      args.put("x-dead-letter-exchange", dlx);
    }
    limits(s, args);
    lookup(md, "maxPriority")
        .ifPresent(
            v -> args.put("x-max-priority", (int) Math.min(255, unsigned(v, "maxPriority"))));
    String type = lookup(md, "queueType").orElse("classic").trim().toLowerCase(Locale.ROOT);
    if (!type.equals("classic") && !type.equals("quorum")) {
      throw ComponentException.invalid(
          "subscription metadata 'queueType' must be classic or quorum, not " + type);
    }
    args.put("x-queue-type", type);
    if (lookup(md, "singleActiveConsumer").map(RabbitMqPubSub::truthy).orElse(false)) {
      args.put("x-single-active-consumer", true);
    }
    lookup(md, "maxLenBytes")
        .ifPresent(v -> args.put("x-max-length-bytes", unsigned(v, "maxLenBytes")));
    lookup(md, "maxLen").ifPresent(v -> args.put("x-max-length", unsigned(v, "maxLen")));
    return new Subscription.Topology(queue, List.copyOf(keys), args, dlx, dlq, dlqArgs);
  }

  private static void limits(RabbitMqSettings s, Map<String, Object> args) {
    if (s.maxLen > 0) {
      args.put("x-max-length", s.maxLen);
    }
    if (s.maxLenBytes > 0) {
      args.put("x-max-length-bytes", s.maxLenBytes);
    }
  }

  private static long unsigned(String v, String key) {
    try {
      long n = Long.parseLong(v.trim());
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw ComponentException.invalid(
        "subscription metadata '" + key + "' must be a whole number, not " + v);
  }

  /** Dapr's truthy spellings. */
  static boolean truthy(String v) {
    return switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "1", "true", "t", "y", "yes", "on" -> true;
      default -> false;
    };
  }

  /** A request or subscription metadata value, its key matched ignoring case; empty when blank. */
  static Optional<String> lookup(Map<String, String> md, String key) {
    String v = md.get(key);
    if (v == null) {
      for (Map.Entry<String, String> e : md.entrySet()) {
        if (e.getKey().equalsIgnoreCase(key)) {
          v = e.getValue();
          break;
        }
      }
    }
    return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v);
  }
}
