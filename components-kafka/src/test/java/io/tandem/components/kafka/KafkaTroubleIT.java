package io.tandem.components.kafka;

import static io.tandem.components.kafka.KafkaTestKit.plaintext;
import static io.tandem.components.kafka.KafkaTestKit.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.pubsub.PublishRequest;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** A component whose brokers do not answer says so, in bounded time. */
class KafkaTroubleIT {

  private static String closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return "127.0.0.1:" + s.getLocalPort();
    }
  }

  @Test
  void initFailsWhenNoBrokerAnswers() throws Exception {
    String nowhere = closedPort();
    KafkaPubSub p = new KafkaPubSub();
    long start = System.nanoTime();

    assertThatThrownBy(
            () ->
                p.init(
                    new ComponentMetadata("dead", plaintext("brokers", nowhere)),
                    KafkaTestKit.CONTEXT))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining(nowhere);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void troubleIsReportedAndPublishFailsWhileNoBrokerAnswers() throws Exception {
    String nowhere = closedPort();
    KafkaPubSub p = new KafkaPubSub();
    p.initUnchecked(
        new ComponentMetadata("dead", plaintext("brokers", nowhere)), KafkaTestKit.CONTEXT);
    try {
      await().atMost(Duration.ofSeconds(20)).until(() -> p.trouble().isPresent());
      assertThat(p.trouble().get()).contains(nowhere);

      String topic = unique("nowhere");
      long start = System.nanoTime();
      assertThatThrownBy(
              () ->
                  p.publish(new PublishRequest(topic, new byte[] {1}, null, Map.of()))
                      .toCompletableFuture()
                      .join())
          .isInstanceOf(CompletionException.class)
          .hasCauseInstanceOf(ComponentException.class)
          .cause()
          .hasMessageContaining(topic)
          .hasMessageContaining(nowhere);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(40));
    } finally {
      p.close();
    }
  }

  @Test
  void aHealthyComponentHasNoTrouble() {
    KafkaPubSub p = KafkaTestKit.pubsub(plaintext());
    try {
      assertThat(p.trouble()).isEmpty();
    } finally {
      p.close();
    }
  }
}
