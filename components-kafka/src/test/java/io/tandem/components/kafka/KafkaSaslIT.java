package io.tandem.components.kafka;

import static io.tandem.components.kafka.KafkaTestKit.ok;
import static io.tandem.components.kafka.KafkaTestKit.publish;
import static io.tandem.components.kafka.KafkaTestKit.text;
import static io.tandem.components.kafka.KafkaTestKit.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.pubsub.PublishRequest;
import io.tandem.components.pubsub.SubscribeRequest;
import io.tandem.components.testing.TestServers;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** SASL/PLAIN against the test broker's SASL_PLAINTEXT listener (hence disableTls). */
class KafkaSaslIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  private static Map<String, String> sasl(String password) {
    Map<String, String> m = new HashMap<>();
    m.put("brokers", TestServers.kafkaSaslBrokers());
    m.put("authType", "password");
    m.put("saslUsername", TestServers.kafkaSaslUser());
    m.put("saslPassword", password);
    m.put("saslMechanism", "PLAINTEXT");
    m.put("disableTls", "true");
    m.put("consumerGroup", unique("sasl"));
    return m;
  }

  @Test
  void publishAndSubscribeOverSasl() {
    KafkaPubSub p = KafkaTestKit.pubsub(sasl(TestServers.kafkaSaslPassword()));
    try {
      assertThat(p.trouble()).isEmpty();
      String topic = unique("sasl");
      List<String> got = new CopyOnWriteArrayList<>();
      p.subscribe(
          new SubscribeRequest(topic, Map.of()),
          m -> {
            got.add(text(m));
            return ok();
          });
      publish(p, topic, "over sasl", Map.of());

      await().atMost(WAIT).until(() -> got.contains("over sasl"));
    } finally {
      p.close();
    }
  }

  @Test
  void aWrongPasswordFailsInitSayingSoWithoutThePassword() {
    String wrong = "not-the-password-" + unique("pw");
    KafkaPubSub p = new KafkaPubSub();
    long start = System.nanoTime();

    assertThatThrownBy(
            () -> p.init(new ComponentMetadata("sasl-wrong", sasl(wrong)), KafkaTestKit.CONTEXT))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("authentication")
        .hasMessageContaining(TestServers.kafkaSaslBrokers())
        .hasMessageNotContaining(wrong);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void aWrongPasswordShowsAsTroubleAndFailsPublishes() {
    String wrong = "not-the-password-" + unique("pw");
    KafkaPubSub p = new KafkaPubSub();
    p.initUnchecked(new ComponentMetadata("sasl-wrong", sasl(wrong)), KafkaTestKit.CONTEXT);
    try {
      await().atMost(WAIT).until(() -> p.trouble().isPresent());
      assertThat(p.trouble().get()).contains("authentication").doesNotContain(wrong);

      assertThatThrownBy(
              () ->
                  p.publish(new PublishRequest(unique("t"), new byte[] {1}, null, Map.of()))
                      .toCompletableFuture()
                      .join())
          .hasCauseInstanceOf(ComponentException.class)
          .cause()
          .hasMessageContaining("authentication")
          .hasMessageNotContaining(wrong);
    } finally {
      p.close();
    }
  }
}
