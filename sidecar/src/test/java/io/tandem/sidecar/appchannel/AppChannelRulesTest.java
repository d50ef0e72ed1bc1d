package io.tandem.sidecar.appchannel;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.sidecar.AppChannelConfig;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Dapr's reading of app answers, the concurrency limit and the health state machine. */
class AppChannelRulesTest {
  @Test
  void topicEventAnswersFollowDapr() {
    assertThat(HttpAppChannel.topicResult(200, Buffer.buffer()))
        .isEqualTo(TopicEventResult.SUCCESS);
    assertThat(HttpAppChannel.topicResult(204, Buffer.buffer("{\"status\":\"SUCCESS\"}")))
        .isEqualTo(TopicEventResult.SUCCESS);
    assertThat(HttpAppChannel.topicResult(200, Buffer.buffer("{\"status\":\"retry\"}")))
        .isEqualTo(TopicEventResult.RETRY);
    assertThat(HttpAppChannel.topicResult(200, Buffer.buffer("{\"status\":\"DROP\"}")))
        .isEqualTo(TopicEventResult.DROP);
    assertThat(HttpAppChannel.topicResult(200, Buffer.buffer("{\"status\":\"MAYBE\"}")))
        .isEqualTo(TopicEventResult.RETRY);
    assertThat(HttpAppChannel.topicResult(200, Buffer.buffer("not json")))
        .isEqualTo(TopicEventResult.SUCCESS);
    assertThat(HttpAppChannel.topicResult(404, Buffer.buffer())).isEqualTo(TopicEventResult.DROP);
    assertThat(HttpAppChannel.topicResult(500, Buffer.buffer("{\"status\":\"SUCCESS\"}")))
        .isEqualTo(TopicEventResult.RETRY);
    assertThat(HttpAppChannel.topicResult(503, Buffer.buffer())).isEqualTo(TopicEventResult.RETRY);
  }

  @Test
  void bulkAnswersArePerEntryAndMissingEntriesRetry() {
    BulkTopicEvent e =
        new BulkTopicEvent(
            "ps",
            "t",
            "/r",
            List.of(
                new BulkTopicEvent.Entry("1", new byte[0], "application/json", true, Map.of()),
                new BulkTopicEvent.Entry("2", new byte[0], "application/json", true, Map.of()),
                new BulkTopicEvent.Entry("3", new byte[0], "application/json", true, Map.of())),
            Map.of());
    Map<String, TopicEventResult> r =
        HttpAppChannel.bulkResult(
            e,
            200,
            Buffer.buffer(
                "{\"statuses\":[{\"entryId\":\"1\",\"status\":\"SUCCESS\"},{\"entryId\":\"2\",\"status\":\"DROP\"}]}"));
    assertThat(r)
        .containsEntry("1", TopicEventResult.SUCCESS)
        .containsEntry("2", TopicEventResult.DROP)
        .containsEntry("3", TopicEventResult.RETRY);
    assertThat(HttpAppChannel.bulkResult(e, 404, Buffer.buffer()).values())
        .containsOnly(TopicEventResult.DROP);
    assertThat(HttpAppChannel.bulkResult(e, 500, Buffer.buffer()).values())
        .containsOnly(TopicEventResult.RETRY);
  }

  @Test
  void parsesV1AndV2Subscriptions() throws Exception {
    List<AppSubscription> subs =
        HttpAppChannel.parseSubscriptions(
            Buffer.buffer(
                "[{\"pubsubname\":\"ps\",\"topic\":\"a\",\"route\":\"/a\",\"deadLetterTopic\":\"dead\"},"
                    + "{\"pubsubname\":\"ps\",\"topic\":\"b\",\"routes\":{\"rules\":[{\"match\":\"event.type == 'x'\",\"path\":\"/x\"}],\"default\":\"/b\"},"
                    + "\"metadata\":{\"rawPayload\":\"true\"},\"bulkSubscribe\":{\"enabled\":true,\"maxMessagesCount\":10}}]"));
    assertThat(subs).hasSize(2);
    assertThat(subs.get(0).defaultRoute()).isEqualTo("/a");
    assertThat(subs.get(0).deadLetterTopic()).isEqualTo("dead");
    assertThat(subs.get(1).rules())
        .containsExactly(new AppSubscription.Rule("event.type == 'x'", "/x"));
    assertThat(subs.get(1).defaultRoute()).isEqualTo("/b");
    assertThat(subs.get(1).metadata()).containsEntry("rawPayload", "true");
    assertThat(subs.get(1).bulkSubscribe().enabled()).isTrue();
    assertThat(subs.get(1).bulkSubscribe().maxMessagesCount()).isEqualTo(10);
    assertThat(HttpAppChannel.parseSubscriptions(Buffer.buffer(""))).isEmpty();
  }

  @Test
  void concurrencyLimitLetsAtMostMaxInAndQueuesTheRestInOrder() {
    ConcurrencyLimit limit = new ConcurrencyLimit(2);
    List<Integer> started = new ArrayList<>();
    List<Future<Void>> acquired = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      int n = i;
      acquired.add(limit.acquire().onSuccess(v -> started.add(n)));
    }
    assertThat(started).containsExactly(0, 1);
    assertThat(limit.inFlight()).isEqualTo(2);
    limit.release();
    assertThat(started).containsExactly(0, 1, 2);
    limit.release();
    limit.release();
    limit.release();
    assertThat(started).containsExactly(0, 1, 2, 3);
    assertThat(limit.inFlight()).isZero();
  }

  @Test
  void unlimitedNeverWaits() {
    ConcurrencyLimit limit = new ConcurrencyLimit(-1);
    for (int i = 0; i < 1000; i++) {
      assertThat(limit.acquire().succeeded()).isTrue();
    }
  }

  @Test
  void healthTurnsBadAfterThresholdFailuresAndGoodAfterOneSuccess() {
    AppChannelConfig cfg =
        new AppChannelConfig(
            8080,
            "http",
            null,
            -1,
            true,
            "/healthz",
            Duration.ofSeconds(1),
            Duration.ofMillis(100),
            3,
            null);
    AppHealthChecker checker = new AppHealthChecker(null, null, cfg);
    List<String> events = new ArrayList<>();
    checker.addListener(
        new AppHealthListener() {
          @Override
          public void appHealthy() {
            events.add("healthy");
          }

          @Override
          public void appUnhealthy() {
            events.add("unhealthy");
          }
        });
    checker.record(false);
    checker.record(false);
    assertThat(checker.healthy()).isTrue();
    checker.record(true);
    checker.record(false);
    checker.record(false);
    assertThat(events).isEmpty();
    checker.record(false);
    assertThat(checker.healthy()).isFalse();
    checker.record(false);
    checker.record(true);
    checker.record(true);
    assertThat(events).containsExactly("unhealthy", "healthy");
  }
}
