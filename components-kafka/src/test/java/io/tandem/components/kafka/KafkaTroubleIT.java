package io.tandem.components.kafka;

import static io.tandem.components.kafka.KafkaTestKit.plaintext;
import static io.tandem.components.kafka.KafkaTestKit.unique;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.pubsub.PublishRequest;
import io.tandem.components.pubsub.SubscribeRequest;
import io.tandem.components.testing.TcpProxy;
import io.tandem.components.testing.TestServers;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
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

  /**
   * The brokers' address answers only after a while (a forwarder to the real broker starts on it):
   * the trouble clears, and a subscription made meanwhile receives what is published, without a
   * restart of the component.
   */
  @Test
  void troubleClearsOnceABrokerAnswers() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String address = "127.0.0.1:" + port;
    KafkaPubSub p = new KafkaPubSub();
    p.initUnchecked(
        new ComponentMetadata("late", plaintext("brokers", address)), KafkaTestKit.CONTEXT);
    try {
      await().atMost(Duration.ofSeconds(20)).until(() -> p.trouble().isPresent());
      String topic = unique("late");
      List<String> got = new CopyOnWriteArrayList<>();
      p.subscribe(
          new SubscribeRequest(topic, Map.of()),
          m -> {
            got.add(new String(m.data(), UTF_8));
            return CompletableFuture.completedFuture(null);
          });

      String broker = TestServers.kafkaBrokers();
      int colon = broker.lastIndexOf(':');
      try (TcpProxy f =
          new TcpProxy(
              port, broker.substring(0, colon), Integer.parseInt(broker.substring(colon + 1)))) {
        await().atMost(Duration.ofSeconds(30)).until(() -> p.trouble().isEmpty());
        p.publish(new PublishRequest(topic, "made it".getBytes(UTF_8), null, Map.of()))
            .toCompletableFuture()
            .join();
        await().atMost(Duration.ofSeconds(60)).until(() -> got.contains("made it"));
      }
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
