package io.tandem.components.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConfirmListener;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ShutdownSignalException;
import io.tandem.components.Completions;
import io.tandem.components.ComponentException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes on one channel of the publishing {@link Link}, in confirm mode: a publish's stage
 * completes when the broker confirms the message (for a persistent message on a durable queue: once
 * it is written to disk), and fails when the broker refuses it or the connection goes before the
 * confirm arrives. Publishes are pipelined: the next one is sent without waiting for the previous
 * confirm. Everything here runs on the link's thread, so the channel is never used concurrently.
 *
 * <p>An exchange is declared the first time a topic is published to on a channel. When the broker
 * closes the channel (typically: the exchange was auto-deleted since, as Dapr's {@code
 * deletedWhenUnused} asks), the unconfirmed messages are sent again on a fresh channel, after
 * declaring their exchanges again, at most {@value #MAX_ATTEMPTS} times each.
 */
final class Publisher implements Link.Owner {
  private static final Logger log = LoggerFactory.getLogger("tandem.components.pubsub.rabbitmq");
  static final int MAX_ATTEMPTS = 3;

  /** One message on its way. */
  static final class Outgoing {
    final String exchange;
    final String routingKey;
    final AMQP.BasicProperties properties;
    final byte[] body;
    final CompletableFuture<Void> done = new CompletableFuture<>();
    int attempts;

    Outgoing(String exchange, String routingKey, AMQP.BasicProperties properties, byte[] body) {
      this.exchange = exchange;
      this.routingKey = routingKey;
      this.properties = properties;
      this.body = body;
    }
  }

  private final RabbitMqSettings settings;
  private Link link;
  private Channel channel;
  private final Set<String> declared = new HashSet<>();
  private final SortedMap<Long, Outgoing> unconfirmed = new TreeMap<>();
  private boolean closed;

  Publisher(RabbitMqSettings settings) {
    this.settings = settings;
  }

  void attach(Link link) {
    this.link = link;
  }

  /** Sends {@code out}; its stage completes on the broker's confirm. Any thread. */
  CompletionStage<Void> publish(Outgoing out) {
    enqueue(out);
    return out.done;
  }

  private void enqueue(Outgoing out) {
    if (!link.execute(() -> send(out))) {
      out.done.completeExceptionally(
          new ComponentException(
              ComponentException.Reason.FAILURE, "pubsub " + settings.name + " is closed"));
    }
  }

  /** Fails what is still unconfirmed. On the link's thread (called before the link closes). */
  void close() {
    closed = true;
    failAll("pubsub " + settings.name + " is closed");
    closeChannel();
  }

  @Override
  public void connected(Connection connection) {
    // the channel is opened on the first publish
    channel = null;
    declared.clear();
  }

  @Override
  public void lost(ShutdownSignalException cause) {
    channel = null;
    declared.clear();
    failAll(
        "the connection to RabbitMQ was lost before the broker confirmed the message: "
            + Link.reason(cause));
  }

  // ---- on the link's thread

  private void send(Outgoing out) {
    if (closed) {
      out.done.completeExceptionally(
          new ComponentException(
              ComponentException.Reason.FAILURE, "pubsub " + settings.name + " is closed"));
      return;
    }
    if (link.connection() == null) {
      String why = link.trouble();
      out.done.completeExceptionally(
          new ComponentException(
              ComponentException.Reason.FAILURE,
              "cannot publish to topic "
                  + out.exchange
                  + ": "
                  + (why != null ? why : "not connected to RabbitMQ")));
      return;
    }
    out.attempts++;
    Channel ch = null;
    long seq = -1;
    try {
      ch = channel();
      if (!declared.contains(out.exchange)) {
        ch.exchangeDeclare(
            out.exchange,
            settings.exchangeKind,
            settings.durable,
            settings.deletedWhenUnused,
            false,
            null);
        declared.add(out.exchange);
      }
      seq = ch.getNextPublishSeqNo();
      unconfirmed.put(seq, out);
      ch.basicPublish(out.exchange, out.routingKey, false, out.properties, out.body);
    } catch (IOException | RuntimeException e) {
      if (seq >= 0) {
        unconfirmed.remove(seq);
      }
      if (ch != null && !ch.isOpen()) {
        retire(ch);
      }
      if (out.attempts < MAX_ATTEMPTS && link.connection() != null) {
        enqueue(out);
      } else {
        out.done.completeExceptionally(
            ComponentException.failure(
                "cannot publish to topic " + out.exchange + ": " + brokerMessage(e), e));
      }
    }
  }

  private Channel channel() throws IOException {
    if (channel != null) {
      if (channel.isOpen()) {
        return channel;
      }
      retire(channel);
    }
    Connection c = link.connection();
    if (c == null) {
      throw new IOException("not connected to RabbitMQ");
    }
    Channel ch = c.createChannel();
    if (ch == null) {
      throw new IOException("RabbitMQ has no channel left on this connection");
    }
    ch.confirmSelect();
    ch.addConfirmListener(
        new ConfirmListener() {
          @Override
          public void handleAck(long tag, boolean multiple) {
            link.execute(() -> confirmed(ch, tag, multiple, true));
          }

          @Override
          public void handleNack(long tag, boolean multiple) {
            link.execute(() -> confirmed(ch, tag, multiple, false));
          }
        });
    ch.addShutdownListener(cause -> link.execute(() -> retire(ch)));
    channel = ch;
    return ch;
  }

  private void confirmed(Channel ch, long tag, boolean multiple, boolean ack) {
    if (ch != channel) {
      return;
    }
    List<Outgoing> done = new ArrayList<>();
    if (multiple) {
      SortedMap<Long, Outgoing> head = unconfirmed.headMap(tag + 1);
      done.addAll(head.values());
      head.clear();
    } else {
      Outgoing o = unconfirmed.remove(tag);
      if (o != null) {
        done.add(o);
      }
    }
    for (Outgoing o : done) {
      if (ack) {
        o.done.complete(null);
      } else {
        o.done.completeExceptionally(
            new ComponentException(
                ComponentException.Reason.FAILURE,
                "RabbitMQ refused the message for topic " + o.exchange + " (negative confirm)"));
      }
    }
  }

  /**
   * Gives up {@code ch}, which the broker (or the network) closed, and sends its unconfirmed
   * messages again on a new channel, or fails them when the connection is gone or they were tried
   * too often.
   */
  private void retire(Channel ch) {
    if (ch != channel) {
      return;
    }
    channel = null;
    declared.clear();
    List<Outgoing> again = new ArrayList<>(unconfirmed.values());
    unconfirmed.clear();
    ShutdownSignalException cause = ch.getCloseReason();
    String why = cause != null ? Link.reason(cause) : "the channel closed";
    if (!again.isEmpty()) {
      log.debug(
          "pubsub {}: the publishing channel closed ({}) with {} messages unconfirmed",
          settings.name,
          why,
          again.size());
    }
    for (Outgoing o : again) {
      boolean connectionGone = cause != null && cause.isHardError() || link.connection() == null;
      if (closed || o.attempts >= MAX_ATTEMPTS || connectionGone) {
        o.done.completeExceptionally(
            new ComponentException(
                ComponentException.Reason.FAILURE,
                "cannot publish to topic " + o.exchange + ": " + why));
      } else {
        enqueue(o);
      }
    }
  }

  private void failAll(String why) {
    List<Outgoing> all = new ArrayList<>(unconfirmed.values());
    unconfirmed.clear();
    for (Outgoing o : all) {
      o.done.completeExceptionally(new ComponentException(ComponentException.Reason.FAILURE, why));
    }
  }

  private void closeChannel() {
    Channel ch = channel;
    channel = null;
    if (ch != null && ch.isOpen()) {
      try {
        ch.close();
      } catch (IOException | RuntimeException | java.util.concurrent.TimeoutException e) {
        // going away anyway
      }
    }
  }

  /** The broker's reason when {@code e} is a channel or connection close, else its message. */
  static String brokerMessage(Throwable e) {
    Throwable c = Completions.unwrap(e);
    for (Throwable t = c; t != null; t = t.getCause()) {
      if (t instanceof ShutdownSignalException s) {
        return Link.reason(s);
      }
    }
    return Completions.message(c);
  }
}
