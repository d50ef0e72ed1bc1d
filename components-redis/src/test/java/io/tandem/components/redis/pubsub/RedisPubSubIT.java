package io.tandem.components.redis.pubsub;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.pubsub.Message;
import io.tandem.components.pubsub.MessageHandler;
import io.tandem.components.pubsub.PublishRequest;
import io.tandem.components.pubsub.SubscribeRequest;
import io.tandem.components.redis.RawRedis;
import io.tandem.components.testing.TestServers;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Response;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code pubsub.redis} behaviour beyond the conformance suite, on the test Redis server. */
class RedisPubSubIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final List<AutoCloseable> open = new ArrayList<>();
  private ExecutorService workers;
  private RawRedis raw;
  private String topic;

  @BeforeEach
  void setUp() throws Exception {
    workers = Executors.newCachedThreadPool();
    raw = new RawRedis(TestServers.redisAddress());
    topic = "redis-pubsub-it-" + UUID.randomUUID();
  }

  @AfterEach
  void tearDown() throws Exception {
    Collections.reverse(open);
    for (AutoCloseable c : open) {
      c.close();
    }
    if (raw != null) {
      raw.call(Command.DEL, topic);
      raw.close();
    }
    workers.shutdownNow();
  }

  // ---- consumer groups

  @Test
  void differentConsumerIdsEachGetEveryMessage() {
    RedisPubSub billing = pubsub("billing", Map.of());
    RedisPubSub shipping = pubsub("shipping", Map.of());
    Set<String> billed = ConcurrentHashMap.newKeySet();
    Set<String> shipped = ConcurrentHashMap.newKeySet();
    subscribe(billing, m -> ack(billed, m));
    subscribe(shipping, m -> ack(shipped, m));

    Set<String> published = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      published.add("order-" + i);
      publish(billing, "order-" + i);
    }

    await().atMost(WAIT).until(() -> billed.size() == 20 && shipped.size() == 20);
    assertThat(billed).isEqualTo(published);
    assertThat(shipped).isEqualTo(published);
  }

  @Test
  void subscribersWithTheSameConsumerIdShareTheMessages() throws Exception {
    RedisPubSub replica1 = pubsub("checkout", Map.of());
    RedisPubSub replica2 = pubsub("checkout", Map.of());
    List<String> got1 = new CopyOnWriteArrayList<>();
    List<String> got2 = new CopyOnWriteArrayList<>();
    subscribe(replica1, m -> ack(got1, m));
    subscribe(replica2, m -> ack(got2, m));
    awaitReading(replica1);
    awaitReading(replica2);

    for (int i = 0; i < 40; i++) {
      publish(replica1, "m" + i);
    }

    await().atMost(WAIT).until(() -> new HashSet<>(union(got1, got2)).size() == 40);
    assertThat(got1.size() + got2.size()).as("each message went to one replica").isEqualTo(40);
    assertThat(got1).as("replica 1 had a share").isNotEmpty();
    assertThat(got2).as("replica 2 had a share").isNotEmpty();
    await().atMost(WAIT).until(() -> pendingCount("checkout") == 0);
  }

  // ---- reclaiming

  @Test
  void messagesADeadConsumerLeftPendingAreReclaimed() throws Exception {
    RedisPubSub publisher = pubsub("publisher", Map.of());
    raw.call(Command.XGROUP, "CREATE", topic, "orders", "0", "MKSTREAM");
    for (int i = 0; i < 5; i++) {
      publish(publisher, "lost-" + i);
    }
    // a sidecar reads them and dies before acknowledging
    Response read =
        raw.call(
            Command.XREADGROUP,
            "GROUP",
            "orders",
            "dead-sidecar",
            "COUNT",
            10,
            "STREAMS",
            topic,
            ">");
    assertThat(read.get(0).get(1).size()).isEqualTo(5);
    assertThat(pendingCount("orders")).isEqualTo(5);

    RedisPubSub survivor =
        pubsub(
            "orders-app",
            Map.of(
                "consumerID", "orders", "processingTimeout", "300ms", "redeliverInterval", "100"));
    Set<String> got = ConcurrentHashMap.newKeySet();
    subscribe(survivor, m -> ack(got, m));

    await()
        .atMost(WAIT)
        .until(() -> got.containsAll(List.of("lost-0", "lost-1", "lost-2", "lost-3", "lost-4")));
    await().atMost(WAIT).until(() -> pendingCount("orders") == 0);
  }

  @Test
  void whatAStoppedReplicaHeldIsTakenOverByTheOther() throws Exception {
    Map<String, String> quick = Map.of("processingTimeout", "500ms", "redeliverInterval", "100ms");
    Map<String, String> handsAllOut = new HashMap<>(quick);
    handsAllOut.put("concurrency", "100");
    RedisPubSub dying = pubsub("inventory", handsAllOut);
    RedisPubSub survivor = pubsub("inventory", quick);
    List<String> held = new CopyOnWriteArrayList<>();
    Set<String> done = ConcurrentHashMap.newKeySet();
    subscribe(
        dying,
        m -> {
          held.add(new String(m.data(), UTF_8));
          return new CompletableFuture<>(); // never finishes: the sidecar hangs, then goes
        });
    subscribe(survivor, m -> ack(done, m));
    awaitReading(dying);
    awaitReading(survivor);

    for (int i = 0; i < 20; i++) {
      publish(survivor, "item-" + i);
    }
    await().atMost(WAIT).until(() -> held.size() + done.size() == 20);
    assertThat(held).as("the dying replica had a share").isNotEmpty();
    dying.close();

    await().atMost(WAIT).until(() -> done.containsAll(held));
    assertThat(done).hasSize(20);
    await().atMost(WAIT).until(() -> pendingCount("inventory") == 0);
  }

  @Test
  void aMessageWhoseHandlerIsStillRunningIsNotTakenByAnotherConsumer() throws Exception {
    Map<String, String> quick = Map.of("processingTimeout", "300ms", "redeliverInterval", "100ms");
    RedisPubSub slow = pubsub("reports", quick);
    List<CompletableFuture<Void>> running = new CopyOnWriteArrayList<>();
    subscribe(
        slow,
        m -> {
          CompletableFuture<Void> f = new CompletableFuture<>();
          running.add(f);
          return f;
        });
    publish(slow, "long-job");
    await().atMost(WAIT).until(() -> running.size() == 1);

    RedisPubSub other = pubsub("reports", quick);
    List<String> otherGot = new CopyOnWriteArrayList<>();
    subscribe(other, m -> ack(otherGot, m));

    // several processing timeouts and reclaim rounds pass while the handler works
    await()
        .during(Duration.ofMillis(1500))
        .atMost(Duration.ofSeconds(5))
        .until(() -> otherGot.isEmpty() && running.size() == 1);
    running.get(0).complete(null);
    await().atMost(WAIT).until(() -> pendingCount("reports") == 0);
    assertThat(otherGot).isEmpty();
  }

  @Test
  void aFailedMessageIsRetriedWithoutBeingAcknowledged() throws Exception {
    RedisPubSub p =
        pubsub("retrier", Map.of("backOffPolicy", "constant", "backOffDuration", "300ms"));
    List<Long> pendingAtAttempt = new CopyOnWriteArrayList<>();
    subscribe(
        p,
        m -> {
          try {
            pendingAtAttempt.add(pendingCount("retrier"));
          } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
          }
          return pendingAtAttempt.size() < 3
              ? CompletableFuture.failedFuture(new IllegalStateException("not yet"))
              : CompletableFuture.completedFuture(null);
        });

    publish(p, "flaky");

    await().atMost(WAIT).until(() -> pendingAtAttempt.size() == 3);
    assertThat(pendingAtAttempt).as("still pending in Redis at every attempt").containsOnly(1L);
    await().atMost(WAIT).until(() -> pendingCount("retrier") == 0);
  }

  // ---- Dapr's wire format

  @Test
  void entriesWrittenByDaprAreDelivered() throws Exception {
    byte[] event = "{\"specversion\":\"1.0\",\"data\":\"hi\"}".getBytes(UTF_8);
    raw.call(Command.XADD, topic, "*", "data", event, "metadata", "{\"rawPayload\":\"false\"}");
    raw.call(Command.XADD, topic, "*", "data", "older-dapr".getBytes(UTF_8));
    RedisPubSub p = pubsub("dapr-interop", Map.of());
    List<Message> got = new CopyOnWriteArrayList<>();
    subscribe(
        p,
        m -> {
          got.add(m);
          return CompletableFuture.completedFuture(null);
        });

    await().atMost(WAIT).until(() -> got.size() == 2);
    Map<String, Message> byData = new HashMap<>();
    got.forEach(m -> byData.put(new String(m.data(), UTF_8), m));
    Message first = byData.get(new String(event, UTF_8));
    assertThat(first.topic()).isEqualTo(topic);
    assertThat(first.metadata()).containsExactlyEntriesOf(Map.of("rawPayload", "false"));
    assertThat(byData.get("older-dapr").metadata()).isEmpty();
  }

  @Test
  void publishedEntriesHaveDaprsFields() throws Exception {
    RedisPubSub p = pubsub("dapr-interop", Map.of());
    byte[] payload = {0, (byte) 0xFF, 10, 65};
    p.publish(new PublishRequest(topic, payload, "application/octet-stream", Map.of("k", "v")))
        .toCompletableFuture()
        .join();

    Response entries = raw.call(Command.XRANGE, topic, "-", "+");
    assertThat(entries.size()).isEqualTo(1);
    Response fields = entries.get(0).get(1);
    assertThat(fields.size()).isEqualTo(4);
    assertThat(fields.get(0).toString()).isEqualTo("data");
    assertThat(fields.get(1).toBytes()).containsExactly(payload);
    assertThat(fields.get(2).toString()).isEqualTo("metadata");
    assertThat(fields.get(3).toString()).isEqualTo("{\"k\":\"v\"}");
  }

  // ---- flow control and trimming

  @Test
  void readsNoMoreThanItCanHandOut() throws Exception {
    RedisPubSub p = pubsub("slowpoke", Map.of("queueDepth", "2", "concurrency", "1"));
    List<CompletableFuture<Void>> running = new CopyOnWriteArrayList<>();
    Set<String> done = ConcurrentHashMap.newKeySet();
    subscribe(
        p,
        m -> {
          CompletableFuture<Void> f = new CompletableFuture<>();
          running.add(f);
          return f.thenRun(() -> done.add(new String(m.data(), UTF_8)));
        });
    for (int i = 0; i < 10; i++) {
      publish(p, "job-" + i);
    }

    // one with the handler, two waiting: the other seven stay in the stream, unread
    await().atMost(WAIT).until(() -> pendingCount("slowpoke") == 3);
    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(3))
        .until(() -> pendingCount("slowpoke") == 3 && running.size() == 1);

    await()
        .atMost(WAIT)
        .until(
            () -> {
              running.forEach(f -> f.complete(null));
              return done.size() == 10;
            });
    await().atMost(WAIT).until(() -> pendingCount("slowpoke") == 0);
  }

  @Test
  void maxLenApproxCapsTheStream() throws Exception {
    RedisPubSub p = pubsub("capped", Map.of("maxLenApprox", "10"));
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      all.add(
          p.publish(new PublishRequest(topic, ("e" + i).getBytes(UTF_8), null, Map.of()))
              .toCompletableFuture());
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();

    // trimming is approximate: whole nodes of the stream go, so somewhat more than 10 remain
    assertThat(raw.call(Command.XLEN, topic).toLong()).isBetween(10L, 500L);
  }

  // ---- failures

  @Test
  void initFailsWhenRedisIsUnreachableWithoutQuotingThePassword() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    RedisPubSub p = new RedisPubSub();
    open.add(p);
    assertThatThrownBy(
            () ->
                p.init(
                    new ComponentMetadata(
                        "nowhere",
                        Map.of(
                            "redisHost", "127.0.0.1:" + port,
                            "redisPassword", "s3cret!pass",
                            "dialTimeout", "1s")),
                    ComponentContext.of("app", "", workers, Map.of())))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("cannot reach")
        .hasMessageNotContaining("s3cret");
  }

  // ---- helpers

  private RedisPubSub pubsub(String appId, Map<String, String> extra) {
    Map<String, String> md = new HashMap<>(extra);
    md.put("redisHost", TestServers.redisAddress());
    md.putIfAbsent("backOffInitialInterval", "20ms");
    md.putIfAbsent("backOffMaxInterval", "200ms");
    RedisPubSub p = new RedisPubSub();
    try {
      p.init(
          new ComponentMetadata("redis-it", md), ComponentContext.of(appId, "", workers, Map.of()));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    open.add(p);
    return p;
  }

  private void subscribe(RedisPubSub p, MessageHandler handler) {
    open.add(p.subscribe(new SubscribeRequest(topic, Map.of()), handler));
  }

  private void publish(RedisPubSub p, String text) {
    p.publish(new PublishRequest(topic, text.getBytes(UTF_8), "text/plain", Map.of()))
        .toCompletableFuture()
        .join();
  }

  private static CompletableFuture<Void> ack(java.util.Collection<String> into, Message m) {
    into.add(new String(m.data(), UTF_8));
    return CompletableFuture.completedFuture(null);
  }

  private static List<String> union(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  private long pendingCount(String group) throws Exception {
    return raw.call(Command.XPENDING, topic, group).get(0).toLong();
  }

  /** Waits until the subscriptions of {@code p} are blocked in XREADGROUP. */
  private void awaitReading(RedisPubSub p) {
    await()
        .atMost(WAIT)
        .until(
            () -> {
              String clients = raw.call(Command.CLIENT, "LIST").toString();
              return p.consumers().stream()
                  .allMatch(
                      c ->
                          clients
                              .lines()
                              .anyMatch(
                                  l ->
                                      l.contains(" name=" + c + " ")
                                          && l.contains("cmd=xreadgroup")));
            });
  }
}
