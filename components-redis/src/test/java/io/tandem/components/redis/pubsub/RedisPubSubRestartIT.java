package io.tandem.components.redis.pubsub;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.pubsub.PublishRequest;
import io.tandem.components.pubsub.SubscribeRequest;
import io.tandem.components.pubsub.TopicSubscription;
import io.tandem.components.redis.RawRedis;
import io.tandem.components.testing.PrivateRedis;
import io.vertx.redis.client.Command;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code pubsub.redis} against a private redis-server killed with SIGKILL and started again, or
 * suspended with SIGSTOP.
 */
class RedisPubSubRestartIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void theSubscriptionResumesAfterRedisIsKilledAndRestarted() throws Exception {
    ExecutorService workers = Executors.newCachedThreadPool();
    try (PrivateRedis redis = PrivateRedis.start(true)) {
      RedisPubSub pubsub = new RedisPubSub();
      pubsub.init(
          new ComponentMetadata("restart", Map.of("redisHost", redis.address())),
          ComponentContext.of("survivor", "", workers, Map.of()));
      Set<String> got = ConcurrentHashMap.newKeySet();
      Map<String, Integer> deliveries = new ConcurrentHashMap<>();
      CompletableFuture<Void> slow = new CompletableFuture<>();
      TopicSubscription s =
          pubsub.subscribe(
              new SubscribeRequest("orders", Map.of()),
              m -> {
                String text = new String(m.data(), UTF_8);
                deliveries.merge(text, 1, Integer::sum);
                got.add(text);
                return text.equals("slow") ? slow : CompletableFuture.completedFuture(null);
              });
      publish(pubsub, "before");
      publish(pubsub, "slow");
      await().atMost(WAIT).until(() -> got.containsAll(List.of("before", "slow")));
      assertThat(pubsub.trouble()).isEmpty();

      redis.kill();
      slow.complete(null); // its acknowledgement waits for Redis

      await().atMost(WAIT).until(() -> pubsub.trouble().isPresent());
      assertThat(pubsub.trouble().get()).contains(redis.address());
      assertThat(
              pubsub
                  .publish(new PublishRequest("orders", new byte[] {1}, null, Map.of()))
                  .toCompletableFuture()
                  .handle((v, e) -> e))
          .succeedsWithin(WAIT)
          .as("publishing while Redis is down fails")
          .isInstanceOf(ComponentException.class);

      redis.start();

      await().atMost(WAIT).until(() -> pubsub.trouble().isEmpty());
      for (String m : List.of("after-1", "after-2", "after-3")) {
        publish(pubsub, m);
      }
      await().atMost(WAIT).until(() -> got.containsAll(List.of("after-1", "after-2", "after-3")));
      try (RawRedis raw = new RawRedis(redis.address())) {
        await()
            .atMost(WAIT)
            .until(() -> raw.call(Command.XPENDING, "orders", "survivor").get(0).toLong() == 0);
      }
      assertThat(deliveries).containsEntry("slow", 1).containsEntry("before", 1);
      s.close();
      pubsub.close();
    } finally {
      workers.shutdownNow();
    }
  }

  /** A broker on a private server of its own, closed (with the server) after the test. */
  private final ExecutorService ownWorkers = Executors.newCachedThreadPool();

  private PrivateRedis ownRedis;
  private RedisPubSub ownPubSub;

  private RedisPubSub brokerOnItsOwnRedis(String name, Map<String, String> extra) throws Exception {
    ownRedis = PrivateRedis.start(false);
    Map<String, String> md = new HashMap<>(extra);
    md.put("redisHost", ownRedis.address());
    ownPubSub = new RedisPubSub();
    ownPubSub.init(
        new ComponentMetadata(name, md), ComponentContext.of(name, "", ownWorkers, Map.of()));
    return ownPubSub;
  }

  @AfterEach
  void closeOwnBroker() throws Exception {
    if (ownPubSub != null) {
      ownPubSub.close();
    }
    if (ownRedis != null) {
      ownRedis.close();
    }
    ownWorkers.shutdownNow();
  }

  @Test
  void anIdleBrokerNoticesRedisIsGoneAndBack() throws Exception {
    RedisPubSub pubsub = brokerOnItsOwnRedis("idle", Map.of());
    ownRedis.kill();
    // no subscription, no publishing: only the heartbeat can tell
    await().atMost(WAIT).until(() -> pubsub.trouble().isPresent());
    assertThat(pubsub.trouble().get()).contains(ownRedis.address());

    ownRedis.start();
    await().atMost(WAIT).until(() -> pubsub.trouble().isEmpty());
    publish(pubsub, "back");
  }

  @Test
  void publishingToARedisThatStopsAnsweringFailsAfterReadTimeout() throws Exception {
    RedisPubSub pubsub = brokerOnItsOwnRedis("silent", Map.of("readTimeout", "500ms"));
    publish(pubsub, "before");
    ownRedis.suspend();
    try {
      assertThat(
              pubsub
                  .publish(new PublishRequest("orders", new byte[] {1}, null, Map.of()))
                  .toCompletableFuture()
                  .handle((v, e) -> e))
          .succeedsWithin(Duration.ofSeconds(5))
          .isInstanceOf(ComponentException.class)
          .extracting(Throwable::getMessage)
          .asString()
          .contains("500ms");
      // the failed command and the probe that follows it report the trouble
      await().atMost(WAIT).until(() -> pubsub.trouble().isPresent());
    } finally {
      ownRedis.resume();
    }
    await().atMost(WAIT).until(() -> pubsub.trouble().isEmpty());
    publish(pubsub, "after");
  }

  private static void publish(RedisPubSub pubsub, String text) {
    pubsub
        .publish(new PublishRequest("orders", text.getBytes(UTF_8), null, Map.of()))
        .toCompletableFuture()
        .join();
  }
}
