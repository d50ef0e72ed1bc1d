package io.tandem.components.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.pubsub.Message;
import io.tandem.components.pubsub.PublishRequest;
import io.tandem.components.testing.TestServers;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/** Shared set-up of the Kafka ITs: components on the test broker, unique names, topics. */
final class KafkaTestKit {
  static final ComponentContext CONTEXT =
      ComponentContext.of("kafka-it", "", Runnable::run, Map.of());

  private KafkaTestKit() {}

  static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID();
  }

  /** Metadata for the PLAINTEXT listener with quick redeliveries, plus {@code kv}. */
  static Map<String, String> plaintext(String... kv) {
    Map<String, String> m = new HashMap<>();
    m.put("brokers", TestServers.kafkaBrokers());
    m.put("authType", "none");
    m.put("backOffPolicy", "constant");
    m.put("backOffDuration", "100ms");
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  static KafkaPubSub pubsub(Map<String, String> metadata) {
    KafkaPubSub p = new KafkaPubSub();
    p.init(new ComponentMetadata(unique("kafka"), metadata), CONTEXT);
    return p;
  }

  static KafkaBinding binding(Map<String, String> metadata) {
    KafkaBinding b = new KafkaBinding();
    b.init(new ComponentMetadata(unique("kafka-binding"), metadata), CONTEXT);
    return b;
  }

  /** Creates {@code topic} with {@code partitions} partitions on the PLAINTEXT broker. */
  static void createTopic(String topic, int partitions) throws Exception {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestServers.kafkaBrokers());
    try (Admin admin = Admin.create(p)) {
      admin
          .createTopics(List.of(new NewTopic(topic, partitions, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
  }

  static void publish(KafkaPubSub p, String topic, String text, Map<String, String> md) {
    p.publish(new PublishRequest(topic, text.getBytes(UTF_8), "text/plain", md))
        .toCompletableFuture()
        .join();
  }

  static String text(Message m) {
    return new String(m.data(), UTF_8);
  }

  static CompletableFuture<Void> ok() {
    return CompletableFuture.completedFuture(null);
  }

  static CompletableFuture<Void> fail(String why) {
    return CompletableFuture.failedFuture(new IllegalStateException(why));
  }
}
