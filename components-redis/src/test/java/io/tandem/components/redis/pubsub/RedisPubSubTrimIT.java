package io.tandem.components.redis.pubsub;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.pubsub.PublishRequest;
import io.tandem.components.redis.RawRedis;
import io.tandem.components.testing.PrivateRedis;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code maxLenApprox} and {@code streamTTL} on a private redis-server whose stream nodes hold one
 * entry each, so that Redis's approximate trimming ({@code ~}) is exact and can be asserted.
 */
class RedisPubSubTrimIT {
  private ExecutorService workers;
  private PrivateRedis redis;
  private RawRedis raw;
  private final List<RedisPubSub> open = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    workers = Executors.newCachedThreadPool();
    redis = PrivateRedis.start(true, "--stream-node-max-entries", "1");
    raw = new RawRedis(redis.address());
  }

  @AfterEach
  void tearDown() throws Exception {
    open.forEach(RedisPubSub::close);
    raw.close();
    redis.close();
    workers.shutdownNow();
  }

  @Test
  void maxLenApproxKeepsTheNewestEntries() throws Exception {
    RedisPubSub p = pubsub(Map.of("maxLenApprox", "5"));
    for (int i = 0; i < 20; i++) {
      publish(p, "e" + i);
    }
    assertThat(datas()).containsExactly("e15", "e16", "e17", "e18", "e19");
  }

  @Test
  void streamTtlDropsOldEntries() throws Exception {
    RedisPubSub p = pubsub(Map.of("streamTTL", "1s"));
    publish(p, "old");
    assertThat(datas()).containsExactly("old");

    // each publish trims what is older than a second
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              publish(p, "new");
              return !datas().contains("old");
            });
  }

  private RedisPubSub pubsub(Map<String, String> extra) throws Exception {
    Map<String, String> md = new java.util.HashMap<>(extra);
    md.put("redisHost", redis.address());
    RedisPubSub p = new RedisPubSub();
    p.init(new ComponentMetadata("trim", md), ComponentContext.of("trim", "", workers, Map.of()));
    open.add(p);
    return p;
  }

  private static void publish(RedisPubSub p, String text) {
    p.publish(new PublishRequest("events", text.getBytes(UTF_8), null, Map.of()))
        .toCompletableFuture()
        .join();
  }

  private List<String> datas() throws Exception {
    List<String> out = new ArrayList<>();
    for (Response e : raw.call(Command.XRANGE, "events", "-", "+")) {
      out.add(e.get(1).get(1).toString());
    }
    return out;
  }
}
