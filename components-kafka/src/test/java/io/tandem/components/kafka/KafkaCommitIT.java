package io.tandem.components.kafka;

import static io.tandem.components.kafka.KafkaTestKit.fail;
import static io.tandem.components.kafka.KafkaTestKit.ok;
import static io.tandem.components.kafka.KafkaTestKit.plaintext;
import static io.tandem.components.kafka.KafkaTestKit.publish;
import static io.tandem.components.kafka.KafkaTestKit.text;
import static io.tandem.components.kafka.KafkaTestKit.unique;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.components.pubsub.BulkMessageEntry;
import io.tandem.components.pubsub.BulkSubscribeOptions;
import io.tandem.components.pubsub.SubscribeRequest;
import io.tandem.components.pubsub.TopicSubscription;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Offsets are committed only for what the app acknowledged: a subscriber that goes away while a
 * message keeps failing leaves that message, and everything after it in its partition, to the next
 * subscriber of the group; what it acknowledged before is not delivered again.
 */
class KafkaCommitIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void aFailingMessageAndThoseAfterItGoToTheNextSubscriberOfTheGroup() {
    String topic = unique("commit");
    String group = unique("group");
    KafkaPubSub first = KafkaTestKit.pubsub(plaintext("consumerGroup", group));
    List<String> acked = new CopyOnWriteArrayList<>();
    AtomicInteger attemptsOnM2 = new AtomicInteger();
    TopicSubscription s =
        first.subscribe(
            new SubscribeRequest(topic, Map.of()),
            m -> {
              if (text(m).equals("m2")) {
                attemptsOnM2.incrementAndGet();
                return fail("m2 is not welcome yet");
              }
              acked.add(text(m));
              return ok();
            });
    for (int i = 0; i < 5; i++) {
      publish(first, topic, "m" + i, Map.of());
    }

    await().atMost(WAIT).until(() -> attemptsOnM2.get() >= 3);
    // one partition, in order: m3 and m4 wait behind m2
    assertThat(acked).containsExactly("m0", "m1");
    s.close();
    first.close();

    KafkaPubSub second = KafkaTestKit.pubsub(plaintext("consumerGroup", group));
    try {
      List<String> got = new CopyOnWriteArrayList<>();
      second.subscribe(
          new SubscribeRequest(topic, Map.of()),
          m -> {
            got.add(text(m));
            return ok();
          });
      publish(second, topic, "m5", Map.of());

      await().atMost(WAIT).until(() -> got.contains("m5"));
      assertThat(got).containsExactly("m2", "m3", "m4", "m5");
    } finally {
      second.close();
    }
  }

  /**
   * Batches: entries after a failed one are acknowledged, yet the partition's commit waits for the
   * failed one, so they come again to the next subscriber (at least once, never lost).
   */
  @Test
  void aFailedBatchEntryHoldsBackTheCommitOfLaterAcknowledgedEntries() {
    String topic = unique("bulkcommit");
    String group = unique("group");
    KafkaPubSub first = KafkaTestKit.pubsub(plaintext("consumerGroup", group));
    Set<String> acked = java.util.concurrent.ConcurrentHashMap.newKeySet();
    AtomicInteger attemptsOnM2 = new AtomicInteger();
    TopicSubscription s =
        first.bulkSubscribe(
            new SubscribeRequest(topic, Map.of()),
            new BulkSubscribeOptions(10, Duration.ofMillis(200)),
            batch -> {
              Set<String> failed = new HashSet<>();
              for (BulkMessageEntry e : batch.entries()) {
                String body = new String(e.event(), UTF_8);
                if (body.equals("m2")) {
                  attemptsOnM2.incrementAndGet();
                  failed.add(e.entryId());
                } else {
                  acked.add(body);
                }
              }
              return CompletableFuture.completedFuture(failed);
            });
    for (int i = 0; i < 5; i++) {
      publish(first, topic, "m" + i, Map.of());
    }

    await().atMost(WAIT).until(() -> attemptsOnM2.get() >= 3 && acked.size() == 4);
    s.close();
    first.close();

    KafkaPubSub second = KafkaTestKit.pubsub(plaintext("consumerGroup", group));
    try {
      List<String> got = new CopyOnWriteArrayList<>();
      second.subscribe(
          new SubscribeRequest(topic, Map.of()),
          m -> {
            got.add(text(m));
            return ok();
          });

      await().atMost(WAIT).until(() -> got.contains("m4"));
      assertThat(got).containsExactly("m2", "m3", "m4");
    } finally {
      second.close();
    }
  }
}
