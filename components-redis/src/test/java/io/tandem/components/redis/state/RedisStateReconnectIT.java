package io.tandem.components.redis.state;

import static io.tandem.components.redis.state.RedisStateStoreIT.failure;
import static io.tandem.components.redis.state.RedisStateStoreIT.join;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentException.Reason;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.redis.RawRedis;
import io.tandem.components.state.GetRequest;
import io.tandem.components.state.SetRequest;
import io.tandem.components.testing.PrivateRedis;
import io.vertx.redis.client.Command;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code state.redis} against a redis-server of the test's own, which the test kills, suspends and
 * restarts: the store reports its trouble, fails operations in bounded time instead of hanging, and
 * recovers by itself once the server is back.
 */
class RedisStateReconnectIT {
  private PrivateRedis server;
  private RedisStateStore store;

  @AfterEach
  void cleanUp() throws Exception {
    if (store != null) {
      store.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private RedisStateStore open(Map<String, String> extra) throws Exception {
    Map<String, String> md = new HashMap<>(extra);
    md.put("redisHost", server.address());
    RedisStateStore s = new RedisStateStore();
    s.init(
        new ComponentMetadata("statestore", md),
        ComponentContext.of("app", "", Runnable::run, Map.of()));
    return s;
  }

  @Test
  void aKilledServerIsReportedOperationsFailFastAndAllRecoversOnRestart() throws Exception {
    server = PrivateRedis.start(false);
    store = open(Map.of());
    join(store.set(SetRequest.of("k", "before".getBytes(UTF_8))));
    assertThat(store.trouble()).isEmpty();

    server.kill();

    // Noticed without any traffic (the heartbeat), and named.
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(store.trouble()).hasValueSatisfying(t -> t.contains(server.address())));
    long start = System.nanoTime();
    ComponentException get = failure(store.get(GetRequest.of("k")));
    ComponentException set = failure(store.set(SetRequest.of("k", "during".getBytes(UTF_8))));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertThat(get.reason()).isEqualTo(Reason.FAILURE);
    assertThat(set.reason()).isEqualTo(Reason.FAILURE);
    assertThat(get.getMessage()).contains(server.address());

    server.start();

    await().atMost(Duration.ofSeconds(10)).until(() -> store.trouble().isEmpty());
    // A fresh server has no cached scripts: EVALSHA answers NOSCRIPT and the store falls back.
    join(store.set(SetRequest.of("k", "after".getBytes(UTF_8))));
    assertThat(new String(join(store.get(GetRequest.of("k"))).data(), UTF_8)).isEqualTo("after");
  }

  @Test
  void aServerThatStopsAnsweringTimesOperationsOutAndIsReportedUntilItAnswersAgain()
      throws Exception {
    server = PrivateRedis.start(false);
    store = open(Map.of("readTimeout", "500ms"));
    join(store.set(SetRequest.of("k", "v".getBytes(UTF_8))));

    server.suspend();
    try {
      long start = System.nanoTime();
      ComponentException e = failure(store.get(GetRequest.of("k")));
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
      assertThat(e.reason()).isEqualTo(Reason.FAILURE);
      assertThat(e.getMessage()).contains("500ms");
      await().atMost(Duration.ofSeconds(5)).until(() -> store.trouble().isPresent());
    } finally {
      server.resume();
    }

    await().atMost(Duration.ofSeconds(10)).until(() -> store.trouble().isEmpty());
    assertThat(new String(join(store.get(GetRequest.of("k"))).data(), UTF_8)).isEqualTo("v");
  }

  @Test
  void scriptsFlushedFromTheServerAreSentAgain() throws Exception {
    server = PrivateRedis.start(false);
    store = open(Map.of());
    join(store.set(SetRequest.of("k", "v1".getBytes(UTF_8))));
    try (RawRedis raw = new RawRedis(server.address())) {
      raw.call(Command.SCRIPT, "FLUSH");

      join(store.set(SetRequest.of("k", "v2".getBytes(UTF_8))));
      assertThat(new String(join(store.get(GetRequest.of("k"))).data(), UTF_8)).isEqualTo("v2");

      raw.call(Command.SCRIPT, "FLUSH");
      assertThat(new String(join(store.get(GetRequest.of("k"))).data(), UTF_8)).isEqualTo("v2");
    }
  }

  @Test
  void aPasswordIsUsedAndNeverShownWhenWrong() throws Exception {
    server = PrivateRedis.start(false, "--requirepass", "open-sesame-42");

    RedisStateStore wrong = new RedisStateStore();
    assertThatThrownBy(
            () ->
                wrong.init(
                    new ComponentMetadata(
                        "statestore",
                        Map.of("redisHost", server.address(), "redisPassword", "not-the-password")),
                    ComponentContext.of("app", "", Runnable::run, Map.of())))
        .isInstanceOf(ComponentException.class)
        .hasMessageNotContaining("not-the-password");
    wrong.close();

    store = open(Map.of("redisPassword", "open-sesame-42"));
    join(store.set(SetRequest.of("k", "v".getBytes(UTF_8))));
    assertThat(store.trouble()).isEmpty();
  }

  @Test
  void closingWhileCutOffDoesNotHang() throws Exception {
    server = PrivateRedis.start(false);
    store = open(Map.of());
    server.kill();
    await().atMost(Duration.ofSeconds(5)).until(() -> store.trouble().isPresent());

    CompletableFuture<Void> closed =
        CompletableFuture.runAsync(
            () -> {
              try {
                store.close();
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });

    closed.get(10, TimeUnit.SECONDS);
    store = null;
  }
}
