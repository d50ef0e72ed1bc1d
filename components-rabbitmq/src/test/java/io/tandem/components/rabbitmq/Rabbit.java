package io.tandem.components.rabbitmq;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.testing.TestServers;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Test helpers: components on the test server, and a plain client to look behind them (read a
 * dead-letter queue, delete what a test left). Names made here are unique per test.
 */
final class Rabbit implements AutoCloseable {
  private final Connection connection;
  private final List<RabbitMqPubSub> components = new ArrayList<>();
  private final List<String> queues = new ArrayList<>();
  private final List<String> exchanges = new ArrayList<>();

  Rabbit() throws Exception {
    ConnectionFactory f = new ConnectionFactory();
    f.setUri(TestServers.rabbitmqUrl());
    f.setAutomaticRecoveryEnabled(false);
    connection = f.newConnection("tandem-test-raw");
  }

  /** A component on the test server with {@code metadata} on top of the connection string. */
  RabbitMqPubSub pubsub(String appId, String... metadata) throws Exception {
    return pubsubAt(TestServers.rabbitmqUrl(), appId, metadata);
  }

  /** A component connecting to {@code url} (a proxy, say). */
  RabbitMqPubSub pubsubAt(String url, String appId, String... metadata) throws Exception {
    Map<String, String> m = new HashMap<>();
    m.put("connectionString", url);
    m.put("reconnectWaitSeconds", "200ms");
    for (int i = 0; i < metadata.length; i += 2) {
      m.put(metadata[i], metadata[i + 1]);
    }
    RabbitMqPubSub p = new RabbitMqPubSub();
    p.init(
        new ComponentMetadata("rabbitmq", m),
        ComponentContext.of(appId, "", Runnable::run, Map.of()));
    components.add(p);
    return p;
  }

  /** Deletes {@code queue} when the test ends. */
  void cleanUpQueue(String queue) {
    queues.add(queue);
  }

  void cleanUpExchange(String exchange) {
    exchanges.add(exchange);
  }

  /** Takes one message from {@code queue}, or null when it is empty. */
  GetResponse get(String queue) throws Exception {
    try (Channel ch = connection.createChannel()) {
      GetResponse r = ch.basicGet(queue, false);
      if (r != null) {
        ch.basicAck(r.getEnvelope().getDeliveryTag(), false);
      }
      return r;
    }
  }

  /** The number of ready messages in {@code queue}. */
  long count(String queue) throws Exception {
    try (Channel ch = connection.createChannel()) {
      return ch.queueDeclarePassive(queue).getMessageCount();
    }
  }

  boolean queueExists(String queue) throws Exception {
    Channel ch = connection.createChannel();
    try {
      ch.queueDeclarePassive(queue);
      return true;
    } catch (IOException e) {
      return false;
    } finally {
      if (ch.isOpen()) {
        ch.close();
      }
    }
  }

  Connection connection() {
    return connection;
  }

  @Override
  public void close() throws IOException, java.util.concurrent.TimeoutException {
    for (RabbitMqPubSub p : components) {
      p.close();
    }
    try (Channel ch = connection.createChannel()) {
      for (String q : queues) {
        ch.queueDelete(q);
      }
      for (String x : exchanges) {
        ch.exchangeDelete(x);
      }
    } finally {
      connection.close();
    }
  }
}
