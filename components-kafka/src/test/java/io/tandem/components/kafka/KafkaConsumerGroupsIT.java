package io.tandem.components.kafka;

import static io.tandem.components.kafka.KafkaTestKit.ok;
import static io.tandem.components.kafka.KafkaTestKit.plaintext;
import static io.tandem.components.kafka.KafkaTestKit.publish;
import static io.tandem.components.kafka.KafkaTestKit.text;
import static io.tandem.components.kafka.KafkaTestKit.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.components.pubsub.Message;
import io.tandem.components.pubsub.SubscribeRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Consumer groups as Dapr uses them: two apps (two groups) each receive every message; two replicas
 * of one app (one group) share the partitions, each message going to one of them.
 */
class KafkaConsumerGroupsIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private final List<KafkaPubSub> opened = new ArrayList<>();

  @AfterEach
  void close() {
    opened.forEach(KafkaPubSub::close);
  }

  private KafkaPubSub open(String group) {
    KafkaPubSub p = KafkaTestKit.pubsub(plaintext("consumerGroup", group));
    opened.add(p);
    return p;
  }

  @Test
  void twoGroupsEachReceiveEveryMessage() throws Exception {
    String topic = unique("fanout");
    KafkaTestKit.createTopic(topic, 3);
    KafkaPubSub a = open(unique("app-a"));
    KafkaPubSub b = open(unique("app-b"));
    Set<String> gotA = java.util.concurrent.ConcurrentHashMap.newKeySet();
    Set<String> gotB = java.util.concurrent.ConcurrentHashMap.newKeySet();
    a.subscribe(new SubscribeRequest(topic, Map.of()), m -> addText(gotA, m));
    b.subscribe(new SubscribeRequest(topic, Map.of()), m -> addText(gotB, m));

    Set<String> published = new HashSet<>();
    for (int i = 0; i < 30; i++) {
      publish(a, topic, "m" + i, Map.of("partitionKey", "k" + i));
      published.add("m" + i);
    }

    await().atMost(WAIT).until(() -> gotA.size() == 30 && gotB.size() == 30);
    assertThat(gotA).isEqualTo(published);
    assertThat(gotB).isEqualTo(published);
  }

  @Test
  void twoSubscribersOfOneGroupShareThePartitions() throws Exception {
    String topic = unique("shared");
    KafkaTestKit.createTopic(topic, 2);
    String group = unique("replicas");
    KafkaPubSub one = open(group);
    KafkaPubSub two = open(group);
    List<Message> gotOne = new CopyOnWriteArrayList<>();
    List<Message> gotTwo = new CopyOnWriteArrayList<>();
    one.subscribe(new SubscribeRequest(topic, Map.of()), m -> addMessage(gotOne, m));
    two.subscribe(new SubscribeRequest(topic, Map.of()), m -> addMessage(gotTwo, m));
    await()
        .atMost(WAIT)
        .until(
            () -> held(one).size() == 1 && held(two).size() == 1 && !held(one).equals(held(two)));

    for (int i = 0; i < 40; i++) {
      publish(one, topic, "m" + i, Map.of("partitionKey", "key-" + i));
    }

    await().atMost(WAIT).until(() -> gotOne.size() + gotTwo.size() >= 40);
    assertThat(gotOne).isNotEmpty();
    assertThat(gotTwo).isNotEmpty();
    Set<String> all = new HashSet<>();
    gotOne.forEach(m -> all.add(text(m)));
    gotTwo.forEach(m -> all.add(text(m)));
    assertThat(all).hasSize(40);
    assertThat(gotOne.size() + gotTwo.size())
        .as("each message went to one subscriber")
        .isEqualTo(40);
    int p1 = held(one).iterator().next().partition();
    int p2 = held(two).iterator().next().partition();
    assertThat(gotOne).allMatch(m -> m.metadata().get("__partition").equals(Integer.toString(p1)));
    assertThat(gotTwo).allMatch(m -> m.metadata().get("__partition").equals(Integer.toString(p2)));
  }

  /**
   * A rebalance moves a partition while its message keeps failing: the old owner commits what it
   * acknowledged before, and the new owner receives the failing message, not the earlier one.
   */
  @Test
  void aMovedPartitionCommitsWhatWasDoneAndTheNewOwnerGetsTheRest() throws Exception {
    String topic = unique("moved");
    KafkaTestKit.createTopic(topic, 2);
    String group = unique("replicas");
    String[] keys = {keyFor(0, 2), keyFor(1, 2)};
    KafkaPubSub first = open(group);
    List<String> heldBack = new CopyOnWriteArrayList<>();
    first.subscribe(
        new SubscribeRequest(topic, Map.of()),
        m -> {
          if (text(m).startsWith("hold")) {
            heldBack.add(text(m));
            return KafkaTestKit.fail("not now");
          }
          return ok();
        });
    await().atMost(WAIT).until(() -> held(first).size() == 2);
    for (int p = 0; p < 2; p++) {
      publish(first, topic, "ok-" + p, Map.of("partitionKey", keys[p]));
      publish(first, topic, "hold-" + p, Map.of("partitionKey", keys[p]));
    }
    await().atMost(WAIT).until(() -> heldBack.contains("hold-0") && heldBack.contains("hold-1"));

    KafkaPubSub second = open(group);
    List<Message> got = new CopyOnWriteArrayList<>();
    second.subscribe(new SubscribeRequest(topic, Map.of()), m -> addMessage(got, m));
    await().atMost(WAIT).until(() -> held(second).size() == 1 && held(first).size() == 1);
    int moved = held(second).iterator().next().partition();

    await().atMost(WAIT).until(() -> !got.isEmpty());
    await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(5))
        .until(() -> got.size() == 1);
    assertThat(text(got.get(0))).isEqualTo("hold-" + moved);
  }

  /** A key the default partitioner puts in {@code partition} of {@code count}. */
  private static String keyFor(int partition, int count) {
    for (int i = 0; ; i++) {
      byte[] k = ("key-" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
      if (org.apache.kafka.common.utils.Utils.toPositive(
                  org.apache.kafka.common.utils.Utils.murmur2(k))
              % count
          == partition) {
        return "key-" + i;
      }
    }
  }

  private static Set<TopicPartition> held(KafkaPubSub p) {
    Set<TopicPartition> out = new HashSet<>();
    p.assignments().forEach(out::addAll);
    return out;
  }

  private static java.util.concurrent.CompletableFuture<Void> addText(
      java.util.Collection<String> into, Message m) {
    into.add(text(m));
    return ok();
  }

  private static java.util.concurrent.CompletableFuture<Void> addMessage(
      List<Message> into, Message m) {
    into.add(m);
    return ok();
  }
}
