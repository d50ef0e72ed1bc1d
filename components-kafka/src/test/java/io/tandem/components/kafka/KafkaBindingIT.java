package io.tandem.components.kafka;

import static io.tandem.components.kafka.KafkaTestKit.plaintext;
import static io.tandem.components.kafka.KafkaTestKit.unique;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tandem.components.ComponentException;
import io.tandem.components.bindings.InputEvent;
import io.tandem.components.bindings.InputReader;
import io.tandem.components.bindings.InvokeRequest;
import io.tandem.components.bindings.InvokeResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code bindings.kafka}: create publishes to publishTopic; topics are read into the app. */
class KafkaBindingIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private final List<AutoCloseable> opened = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : opened) {
      c.close();
    }
  }

  private KafkaBinding open(String... kv) {
    KafkaBinding b = KafkaTestKit.binding(plaintext(kv));
    opened.add(b);
    return b;
  }

  private static InvokeResponse create(KafkaBinding b, String data, Map<String, String> md) {
    return b.invoke(new InvokeRequest("create", data.getBytes(UTF_8), md))
        .toCompletableFuture()
        .join();
  }

  @Test
  void whatCreatePublishesIsReadBackWithItsKeyAndHeaders() {
    String topic = unique("binding");
    KafkaBinding b = open("topics", topic, "publishTopic", topic, "consumerGroup", unique("g"));
    assertThat(b.operations()).containsExactly("create");
    List<InputEvent> got = new CopyOnWriteArrayList<>();
    InputReader r =
        b.read(
            e -> {
              got.add(e);
              return CompletableFuture.completedFuture(new byte[0]);
            });
    opened.add(r);

    assertThat(create(b, "{\"order\":1}", Map.of("partitionKey", "o-1", "source", "test")))
        .isNull();

    await().atMost(WAIT).until(() -> got.size() == 1);
    assertThat(new String(got.get(0).data(), UTF_8)).isEqualTo("{\"order\":1}");
    assertThat(got.get(0).metadata())
        .containsEntry("__key", "o-1")
        .containsEntry("source", "test")
        .containsEntry("__topic", topic);
  }

  @Test
  void readsEveryListedTopic() {
    String a = unique("in-a");
    String b = unique("in-b");
    KafkaBinding in = open("topics", a + ", " + b, "consumerGroup", unique("g"));
    KafkaBinding outA = open("publishTopic", a);
    KafkaBinding outB = open("publishTopic", b);
    List<String> got = new CopyOnWriteArrayList<>();
    opened.add(
        in.read(
            e -> {
              got.add(new String(e.data(), UTF_8));
              return CompletableFuture.completedFuture(new byte[0]);
            }));

    create(outA, "to-a", Map.of());
    create(outB, "to-b", Map.of());

    await().atMost(WAIT).until(() -> got.size() >= 2);
    assertThat(got).containsExactlyInAnyOrder("to-a", "to-b");
  }

  @Test
  void anEventTheAppRefusedIsDeliveredAgain() {
    String topic = unique("refused");
    KafkaBinding b = open("topics", topic, "publishTopic", topic, "consumerGroup", unique("g"));
    AtomicInteger attempts = new AtomicInteger();
    List<String> accepted = new CopyOnWriteArrayList<>();
    opened.add(
        b.read(
            e -> {
              if (attempts.incrementAndGet() < 3) {
                return CompletableFuture.failedFuture(new IllegalStateException("app said 500"));
              }
              accepted.add(new String(e.data(), UTF_8));
              return CompletableFuture.completedFuture(new byte[0]);
            }));

    create(b, "again", Map.of());

    await().atMost(WAIT).until(() -> accepted.contains("again"));
    assertThat(attempts.get()).isEqualTo(3);
  }

  @Test
  void aPausedReaderHandsOutNothingUntilResumed() {
    String topic = unique("paused");
    KafkaBinding b = open("topics", topic, "publishTopic", topic, "consumerGroup", unique("g"));
    List<String> got = new CopyOnWriteArrayList<>();
    InputReader r =
        b.read(
            e -> {
              got.add(new String(e.data(), UTF_8));
              return CompletableFuture.completedFuture(new byte[0]);
            });
    opened.add(r);
    create(b, "first", Map.of());
    await().atMost(WAIT).until(() -> got.contains("first"));

    r.pause();
    assertThat(r.isPaused()).isTrue();
    create(b, "second", Map.of());
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(5))
        .until(() -> got.size() == 1);

    r.resume();
    await().atMost(WAIT).until(() -> got.contains("second"));
  }

  @Test
  void createWithoutPublishTopicFailsClearly() {
    KafkaBinding b = open("topics", unique("only-input"));

    assertThatThrownBy(
            () ->
                b.invoke(new InvokeRequest("create", new byte[] {1}, Map.of()))
                    .toCompletableFuture()
                    .join())
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(ComponentException.class)
        .hasMessageContaining("publishTopic");
  }
}
