package io.tandem.components.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ShutdownSignalException;
import io.tandem.components.Completions;
import io.tandem.components.pubsub.Message;
import io.tandem.components.pubsub.MessageHandler;
import io.tandem.components.pubsub.TopicSubscription;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One topic subscription: a queue bound to the topic's exchange, a channel of the consuming {@link
 * Link} and a consumer on it.
 *
 * <p><b>Delivery.</b> The client calls the consumer on its own dispatch threads; the handler is
 * called there and never waited for. When the handler's stage completes, the outcome goes to the
 * link's thread, which acknowledges (success) or handles the failure: after the back-off, the
 * message is either handed to the handler again while it stays unacknowledged (the default), or,
 * with {@code requeueInFailure}, negatively acknowledged with requeue so that the broker delivers
 * it again, possibly to another replica of the app. Once {@code backOffMaxRetries} is used up the
 * message is negatively acknowledged without requeue: RabbitMQ moves it to the dead-letter exchange
 * when {@code enableDeadLetter} is set, and discards it otherwise.
 *
 * <p>A message is acknowledged only on the channel it came on. When that channel dies (the
 * connection dropped), acknowledging is impossible and the broker delivers the message again on the
 * new channel; if the first copy's stage is still pending then, the new copy waits for it and
 * inherits its outcome, so that the app never has the same message twice at the same time.
 */
final class Subscription implements TopicSubscription {
  private static final Logger log = LoggerFactory.getLogger("tandem.components.pubsub.rabbitmq");
  private static final int MAX_CONSUMER_TAG = 255;

  /** Queue declaration arguments and bindings for one subscription. */
  record Topology(
      String queue,
      List<String> routingKeys,
      Map<String, Object> queueArgs,
      String deadLetterExchange,
      String deadLetterQueue,
      Map<String, Object> deadLetterArgs) {}

  /** One delivered message, held until it is settled. */
  private static final class Delivery {
    final Channel channel;
    final long tag;
    final boolean redelivered;
    final Message message;
    final String messageId;
    final String countKey;
    int failures;
    List<Delivery> followers = List.of();

    Delivery(
        Channel channel,
        long tag,
        boolean redelivered,
        Message message,
        String messageId,
        String countKey) {
      this.channel = channel;
      this.tag = tag;
      this.redelivered = redelivered;
      this.message = message;
      this.messageId = messageId;
      this.countKey = countKey;
    }
  }

  private final RabbitMqSettings settings;
  private final Link link;
  private final String topic;
  private final Topology topology;
  private final MessageHandler handler;
  private final Runnable onClosed;

  private volatile boolean closed;
  private volatile String trouble;

  /** Deliveries taken from the broker and not settled yet (including those waiting in turn). */
  private final AtomicInteger held = new AtomicInteger();

  /** Parallel mode: the delivery of each message id whose handler stage is pending. */
  private final Map<String, Delivery> running = new HashMap<>();

  /** Single mode: deliveries waiting for the one in progress. */
  private final ArrayDeque<Delivery> waiting = new ArrayDeque<>();

  private boolean busy;

  /** Single mode with {@code autoAck}: the stage of the last message handed over. */
  private CompletionStage<Void> autoAckTail = CompletableFuture.completedFuture(null);

  // ---- the link's thread only

  private Channel channel;
  private String consumerTag;
  private ScheduledFuture<?> retry;
  private int attachFailures;

  /** Failures per message for requeued messages, which come back as new deliveries. */
  private final Map<String, Integer> requeueCounts =
      new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
          return size() > 10_000;
        }
      };

  Subscription(
      RabbitMqSettings settings,
      Link link,
      String topic,
      Topology topology,
      MessageHandler handler,
      Runnable onClosed) {
    this.settings = settings;
    this.link = link;
    this.topic = topic;
    this.topology = topology;
    this.handler = handler;
    this.onClosed = onClosed;
  }

  String topic() {
    return topic;
  }

  String queue() {
    return topology.queue();
  }

  /** What is wrong with this subscription, or null. A volatile read. */
  String trouble() {
    return trouble;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    onClosed.run();
    link.execute(
        () -> {
          if (retry != null) {
            retry.cancel(false);
            retry = null;
          }
          synchronized (waiting) {
            held.addAndGet(-waiting.size());
            waiting.clear();
          }
          Channel ch = channel;
          if (ch != null && ch.isOpen() && consumerTag != null) {
            try {
              ch.basicCancel(consumerTag);
            } catch (IOException | RuntimeException e) {
              log.debug("pubsub {}: cancelling the consumer of {}: {}", settings.name, queue(), e);
            }
          }
          closeChannelWhenDrained();
        });
  }

  // ---- attaching, on the link's thread

  /** Declares the topology and starts consuming on a new channel of {@code connection}. */
  void attach(Connection connection) throws IOException {
    if (closed || channel != null) {
      return;
    }
    Channel ch = connection.createChannel();
    if (ch == null) {
      throw new IOException("RabbitMQ has no channel left on this connection");
    }
    String tag = consumerTag(topology.queue());
    try {
      if (settings.prefetchCount > 0) {
        ch.basicQos(settings.prefetchCount);
      }
      declare(ch);
      ch.basicConsume(
          topology.queue(), settings.autoAck, tag, false, false, null, new Consumer(ch));
    } catch (IOException | RuntimeException e) {
      abortQuietly(ch);
      throw e;
    }
    channel = ch;
    consumerTag = tag;
    attachFailures = 0;
    trouble = null;
    ch.addShutdownListener(cause -> link.execute(() -> channelClosed(ch, cause)));
  }

  /** The connection went: the channel with it. The link calls {@link #attach} once back. */
  void lost() {
    channel = null;
    consumerTag = null;
    if (retry != null) {
      retry.cancel(false);
      retry = null;
    }
  }

  /** {@link #attach} failed on a live connection: try again later. */
  void attachFailed(Throwable e) {
    trouble =
        "subscription to topic "
            + topic
            + " (queue "
            + queue()
            + "): "
            + Publisher.brokerMessage(e)
            + "; subscribing again";
    log.warn("pubsub {}: {}", settings.name, trouble);
    scheduleAttach();
  }

  private void declare(Channel ch) throws IOException {
    ch.exchangeDeclare(
        topic, settings.exchangeKind, settings.durable, settings.deletedWhenUnused, false, null);
    if (topology.deadLetterExchange() != null) {
      // Dapr's dead-letter exchange and queue are durable whatever `durable` says
      ch.exchangeDeclare(
          topology.deadLetterExchange(), "fanout", true, settings.deletedWhenUnused, false, null);
      ch.queueDeclare(
          topology.deadLetterQueue(),
          true,
          false,
          settings.deletedWhenUnused,
          topology.deadLetterArgs());
      ch.queueBind(topology.deadLetterQueue(), topology.deadLetterExchange(), "");
    }
    ch.queueDeclare(
        topology.queue(),
        settings.durable,
        false,
        settings.deletedWhenUnused,
        topology.queueArgs());
    for (String key : topology.routingKeys()) {
      ch.queueBind(topology.queue(), topic, key);
    }
  }

  private void channelClosed(Channel ch, ShutdownSignalException cause) {
    if (ch != channel) {
      return;
    }
    channel = null;
    consumerTag = null;
    if (closed || cause.isHardError() || cause.isInitiatedByApplication()) {
      return; // a lost connection is the link's business
    }
    trouble =
        "subscription to topic "
            + topic
            + " (queue "
            + queue()
            + "): RabbitMQ closed the channel: "
            + Link.reason(cause)
            + "; subscribing again";
    log.warn("pubsub {}: {}", settings.name, trouble);
    scheduleAttach();
  }

  private void cancelledByBroker(Channel ch, String tag) {
    if (ch != channel || !tag.equals(consumerTag) || closed) {
      return;
    }
    channel = null;
    consumerTag = null;
    trouble =
        "subscription to topic "
            + topic
            + ": RabbitMQ cancelled the consumer of queue "
            + queue()
            + " (was it deleted?); subscribing again";
    log.warn("pubsub {}: {}", settings.name, trouble);
    closeQuietly(ch);
    scheduleAttach();
  }

  private void scheduleAttach() {
    if (closed || retry != null) {
      return;
    }
    Duration wait = Link.nextWait(settings.reconnectWait, ++attachFailures);
    retry =
        link.schedule(
            () -> {
              retry = null;
              Connection c = link.connection();
              if (closed || channel != null || c == null) {
                return;
              }
              try {
                attach(c);
                log.info("pubsub {}: subscribed again to topic {}", settings.name, topic);
              } catch (IOException | RuntimeException e) {
                attachFailed(e);
              }
            },
            wait);
  }

  // ---- delivery

  private final class Consumer extends DefaultConsumer {
    private final Channel ch;

    Consumer(Channel ch) {
      super(ch);
      this.ch = ch;
    }

    @Override
    public void handleDelivery(
        String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
      try {
        delivered(ch, envelope, properties, body);
      } catch (RuntimeException e) {
        // never let the client see it: its default handler would close the channel
        log.error("pubsub {}: delivering a message of topic {}", settings.name, topic, e);
      }
    }

    @Override
    public void handleCancel(String tag) {
      link.execute(() -> cancelledByBroker(ch, tag));
    }
  }

  /** On the client's dispatch thread. */
  private void delivered(
      Channel ch, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
    if (closed) {
      return; // unacknowledged: the broker delivers it again once the channel closes
    }
    Message m = new Message(topic, body, properties.getContentType(), metadataOf(properties, body));
    if (settings.autoAck) {
      CompletionStage<Void> stage;
      if (settings.single) {
        synchronized (waiting) {
          // one at a time: each message waits for the previous one's stage, whatever its outcome
          autoAckTail = autoAckTail.handle((v, err) -> null).thenCompose(v -> invoke(m));
          stage = autoAckTail;
        }
      } else {
        stage = invoke(m);
      }
      stage.whenComplete(
          (v, err) -> {
            if (err != null) {
              log.warn(
                  "pubsub {}: a message of topic {} failed and is lost (autoAck): {}",
                  settings.name,
                  topic,
                  Completions.message(err));
            }
          });
      return;
    }
    String id = properties.getMessageId();
    String countKey =
        id != null ? "id:" + id : "body:" + java.util.Arrays.hashCode(body) + ":" + body.length;
    Delivery d =
        new Delivery(ch, envelope.getDeliveryTag(), envelope.isRedeliver(), m, id, countKey);
    held.incrementAndGet();
    if (settings.single) {
      synchronized (waiting) {
        if (busy) {
          waiting.addLast(d);
          return;
        }
        busy = true;
      }
    }
    start(d);
  }

  /** Hands {@code d} to the handler, unless its channel is gone or a copy is still pending. */
  private void start(Delivery d) {
    if (!d.channel.isOpen() || closed) {
      release(d);
      return;
    }
    if (d.messageId != null && !settings.single) {
      synchronized (running) {
        Delivery first = running.get(d.messageId);
        if (first != null && first != d && d.redelivered) {
          if (first.followers.isEmpty()) {
            first.followers = new ArrayList<>();
          }
          first.followers.add(d);
          log.debug(
              "pubsub {}: message {} of topic {} came again while its first delivery is pending:"
                  + " it waits for that outcome",
              settings.name,
              d.messageId,
              topic);
          return;
        }
        if (first == null) {
          running.put(d.messageId, d);
        }
      }
    }
    invoke(d.message).whenComplete((v, err) -> link.execute(() -> finished(d, err)));
  }

  private CompletionStage<Void> invoke(Message m) {
    try {
      CompletionStage<Void> s = handler.handle(m);
      return s != null
          ? s
          : CompletableFuture.failedFuture(new IllegalStateException("the handler gave no stage"));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  // ---- settling, on the link's thread

  private void finished(Delivery d, Throwable err) {
    List<Delivery> followers = List.of();
    if (d.messageId != null && !settings.single) {
      synchronized (running) {
        if (running.get(d.messageId) == d) {
          running.remove(d.messageId);
        }
        followers = d.followers;
        d.followers = List.of();
      }
    }
    settle(d, err);
    for (Delivery f : followers) {
      settle(f, err);
    }
  }

  private void settle(Delivery d, Throwable err) {
    if (err == null) {
      if (d.channel.isOpen()) {
        try {
          d.channel.basicAck(d.tag, false);
        } catch (IOException | RuntimeException e) {
          log.debug("pubsub {}: ack failed: {}", settings.name, e.toString());
        }
      }
      if (settings.requeueInFailure) {
        requeueCounts.remove(d.countKey);
      }
      release(d);
      return;
    }
    if (!d.channel.isOpen()) {
      release(d); // the broker delivers it again on the next channel
      return;
    }
    int failures;
    if (settings.requeueInFailure) {
      failures = requeueCounts.merge(d.countKey, 1, Integer::sum);
    } else {
      failures = ++d.failures;
    }
    if (settings.backOff.exhausted(failures)) {
      requeueCounts.remove(d.countKey);
      log.warn(
          "pubsub {}: giving up a message of topic {} after {} failed deliveries: {}; {}",
          settings.name,
          topic,
          failures,
          Completions.message(err),
          topology.deadLetterExchange() != null
              ? "dead-lettered to " + topology.deadLetterQueue()
              : "RabbitMQ discards it");
      nack(d, false);
      release(d);
      return;
    }
    Duration delay = settings.backOff.delay(failures);
    log.debug(
        "pubsub {}: a message of topic {} failed ({}); redelivering in {} ms",
        settings.name,
        topic,
        Completions.message(err),
        delay.toMillis());
    if (link.schedule(() -> redeliver(d), delay) == null) {
      release(d);
    }
  }

  private void redeliver(Delivery d) {
    if (!d.channel.isOpen()) {
      release(d);
      return;
    }
    if (closed || settings.requeueInFailure) {
      nack(d, true);
      release(d);
      return;
    }
    if (d.messageId != null && !settings.single) {
      synchronized (running) {
        running.putIfAbsent(d.messageId, d);
      }
    }
    invoke(d.message).whenComplete((v, err) -> link.execute(() -> finished(d, err)));
  }

  private void nack(Delivery d, boolean requeue) {
    try {
      d.channel.basicNack(d.tag, false, requeue);
    } catch (IOException | RuntimeException e) {
      log.debug("pubsub {}: nack failed: {}", settings.name, e.toString());
    }
  }

  /** {@code d} is settled (or given up to the broker): let the next one in. Any thread. */
  private void release(Delivery d) {
    held.decrementAndGet();
    if (settings.single) {
      while (true) {
        Delivery next;
        synchronized (waiting) {
          next = closed ? null : waiting.pollFirst();
          if (next == null) {
            busy = false;
            break;
          }
        }
        if (next.channel.isOpen()) {
          start(next);
          break;
        }
        held.decrementAndGet();
      }
    }
    if (closed && held.get() == 0) {
      if (link.onThread()) {
        closeChannelWhenDrained();
      } else {
        link.execute(this::closeChannelWhenDrained);
      }
    }
  }

  private void closeChannelWhenDrained() {
    if (closed && held.get() <= 0 && channel != null) {
      Channel ch = channel;
      channel = null;
      consumerTag = null;
      closeQuietly(ch);
    }
  }

  private static void closeQuietly(Channel ch) {
    if (ch.isOpen()) {
      try {
        ch.close();
      } catch (IOException | TimeoutException | RuntimeException e) {
        abortQuietly(ch);
      }
    }
  }

  private static void abortQuietly(Channel ch) {
    try {
      ch.abort();
    } catch (IOException | RuntimeException e) {
      // it is going away
    }
  }

  // ---- helpers

  private Map<String, String> metadataOf(AMQP.BasicProperties p, byte[] body) {
    if (!settings.propertiesToMetadata) {
      return Map.of();
    }
    Map<String, String> md = new HashMap<>();
    putIfSet(md, "metadata.messageid", p.getMessageId());
    putIfSet(md, "metadata.correlationid", p.getCorrelationId());
    putIfSet(md, "metadata.type", p.getType());
    putIfSet(md, "metadata.contenttype", p.getContentType());
    if (p.getHeaders() != null) {
      p.getHeaders()
          .forEach(
              (k, v) -> {
                if (v instanceof byte[] bytes) {
                  md.put("metadata." + k, new String(bytes, StandardCharsets.UTF_8));
                } else if (v != null) {
                  md.put("metadata." + k, v.toString());
                }
              });
    }
    return md;
  }

  private static void putIfSet(Map<String, String> md, String key, String value) {
    if (value != null && !value.isEmpty()) {
      md.put(key, value);
    }
  }

  /** A tag unique to this attempt, so that subscribing again never reuses one. */
  static String consumerTag(String queue) {
    String tag = queue + "-" + UUID.randomUUID();
    return tag.length() > MAX_CONSUMER_TAG ? tag.substring(tag.length() - MAX_CONSUMER_TAG) : tag;
  }
}
