package io.tandem.components.redis.state;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentException.Reason;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.redis.RawRedis;
import io.tandem.components.state.Concurrency;
import io.tandem.components.state.DeleteRequest;
import io.tandem.components.state.GetRequest;
import io.tandem.components.state.GetResponse;
import io.tandem.components.state.SetRequest;
import io.tandem.components.state.StateOptions;
import io.tandem.components.state.StateStore;
import io.tandem.components.state.TransactionalOperation;
import io.tandem.components.testing.TestServers;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Response;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What {@code state.redis} does beyond the conformance suite, on the shared test server: Dapr's
 * storage layout both ways (what Dapr wrote reads unchanged, what Tandem writes is what Dapr
 * expects), values byte for byte, TTLs as the key's own expiry, the component's default TTL, and
 * keys in shapes older Dapr versions or other programs left behind.
 */
class RedisStateStoreIT {
  private final List<StateStore> stores = new ArrayList<>();
  private RawRedis raw;
  private StateStore store;
  private String prefix;

  @BeforeEach
  void open() throws Exception {
    raw = new RawRedis(TestServers.redisAddress());
    prefix = "redis-state-it-" + UUID.randomUUID() + "||";
    store = newStore(Map.of());
  }

  @AfterEach
  void close() throws Exception {
    for (StateStore s : stores) {
      s.close();
    }
    raw.close();
  }

  private StateStore newStore(Map<String, String> extra) throws Exception {
    Map<String, String> md = new HashMap<>(extra);
    md.put("redisHost", TestServers.redisAddress());
    RedisStateStore s = new RedisStateStore();
    s.init(
        new ComponentMetadata("statestore", md),
        ComponentContext.of("app", "", Executors.newSingleThreadExecutor(), Map.of()));
    stores.add(s);
    return s;
  }

  // ---- Dapr's layout ----------------------------------------------------------------------------

  @Test
  void aSaveWritesAHashWithDataAndVersionAndTheVersionIsTheEtag() throws Exception {
    join(store.set(SetRequest.of(key("order"), bytes("{\"item\":\"book\",\"qty\":2}"))));

    Map<String, String> fields = new HashMap<>();
    for (Response f : raw.call(Command.HKEYS, key("order"))) {
      fields.put(f.toString(), raw.call(Command.HGET, key("order"), f.toString()).toString());
    }
    assertThat(fields).containsOnlyKeys("data", "version");
    assertThat(fields.get("data")).isEqualTo("{\"item\":\"book\",\"qty\":2}");
    assertThat(get("order").etag()).isEqualTo(fields.get("version"));
    assertThat(raw.call(Command.TTL, key("order")).toLong()).isEqualTo(-1);
  }

  @Test
  void jsonValuesWrittenByDaprReadBackUnchangedWithTheirVersionAsEtag() throws Exception {
    // What a Dapr sidecar stores for an HTTP save of {"item":"book"}, of "hello", and of 42.
    raw.call(Command.HSET, key("object"), "data", "{\"item\":\"book\"}", "version", "1");
    raw.call(Command.HSET, key("string"), "data", "\"hello\"", "version", "3");
    raw.call(Command.HSET, key("number"), "data", "42", "version", "12");

    assertThat(text(get("object"))).isEqualTo("{\"item\":\"book\"}");
    assertThat(get("object").etag()).isEqualTo("1");
    assertThat(text(get("string"))).isEqualTo("\"hello\"");
    assertThat(get("string").etag()).isEqualTo("3");
    assertThat(text(get("number"))).isEqualTo("42");
    assertThat(get("number").etag()).isEqualTo("12");
    assertThat(get("object").metadata()).isEmpty();
  }

  @Test
  void aKeyWrittenByDaprIsGuardedByItsVersionAndGetsANewerOne() throws Exception {
    raw.call(Command.HSET, key("k"), "data", "\"dapr\"", "version", "5");

    ComponentException stale =
        failure(store.set(new SetRequest(key("k"), bytes("\"x\""), "4", Map.of(), null)));
    assertThat(stale.reason()).isEqualTo(Reason.ETAG_MISMATCH);

    join(store.set(new SetRequest(key("k"), bytes("\"tandem\""), "5", Map.of(), null)));
    assertThat(text(get("k"))).isEqualTo("\"tandem\"");
    assertThat(Long.parseLong(get("k").etag())).isGreaterThan(5);
  }

  @Test
  void aVersionBumpedByADaprSidecarIsSeenAndNeverHandedOutAgain() throws Exception {
    set("k", "v1");
    long mine = Long.parseLong(get("k").etag());
    // A Dapr sidecar sharing the database overwrites: new data, version + 1.
    raw.call(Command.HSET, key("k"), "data", "dapr");
    raw.call(Command.HINCRBY, key("k"), "version", "1");

    GetResponse seen = get("k");
    assertThat(text(seen)).isEqualTo("dapr");
    assertThat(seen.etag()).isEqualTo(Long.toString(mine + 1));

    join(store.set(new SetRequest(key("k"), bytes("v2"), seen.etag(), Map.of(), null)));
    assertThat(Long.parseLong(get("k").etag())).isGreaterThan(mine + 1);
  }

  @Test
  void binaryValuesAreStoredAndReadByteForByte() throws Exception {
    byte[] all = new byte[512];
    for (int i = 0; i < all.length; i++) {
      all[i] = (byte) i;
    }

    join(store.set(SetRequest.of(key("bin"), all)));

    assertThat(get("bin").data()).containsExactly(all);
    assertThat(raw.call(Command.HGET, key("bin"), "data").toBytes()).containsExactly(all);
  }

  @Test
  void aBinaryValueWrittenByDaprOverGrpcReadsByteForByte() throws Exception {
    byte[] value = {(byte) 0xFF, 0, (byte) 0xC3, (byte) 0x28, 10, 13};
    raw.call(Command.HSET, key("bin"), "data", value, "version", "1");

    assertThat(get("bin").data()).containsExactly(value);
  }

  @Test
  void aPlainStringKeyOfOldDaprVersionsReadsWithoutAnEtagAndCanBeOverwritten() throws Exception {
    raw.call(Command.SET, key("legacy"), "\"old\"");

    GetResponse old = get("legacy");
    assertThat(text(old)).isEqualTo("\"old\"");
    assertThat(old.etag()).isNull();
    assertThat(
            failure(
                    store.set(
                        new SetRequest(
                            key("legacy"),
                            bytes("x"),
                            null,
                            Map.of(),
                            new StateOptions(Concurrency.FIRST_WRITE, null))))
                .reason())
        .isEqualTo(Reason.ETAG_MISMATCH);

    set("legacy", "\"new\"");

    assertThat(raw.call(Command.TYPE, key("legacy")).toString()).isEqualTo("hash");
    assertThat(text(get("legacy"))).isEqualTo("\"new\"");
    assertThat(get("legacy").etag()).isNotBlank();
  }

  @Test
  void aKeyHoldingSomethingElseFailsToReadAndSaysWhy() throws Exception {
    raw.call(Command.RPUSH, key("list"), "a");

    ComponentException e = failure(store.get(GetRequest.of(key("list"))));

    assertThat(e.reason()).isEqualTo(Reason.FAILURE);
    assertThat(e.getMessage()).contains("list");
  }

  @Test
  void deletingWithoutAnEtagRemovesTheKeyWhateverItHolds() throws Exception {
    raw.call(Command.SET, key("legacy"), "v");

    join(store.delete(DeleteRequest.of(key("legacy"))));

    assertThat(raw.call(Command.EXISTS, key("legacy")).toInteger()).isZero();
  }

  // ---- TTL --------------------------------------------------------------------------------------

  @Test
  void aTtlIsTheKeysExpiryAndMinusOneRemovesIt() throws Exception {
    join(store.set(withTtl("k", "v", "100")));
    assertThat(raw.call(Command.TTL, key("k")).toLong()).isBetween(95L, 100L);

    join(store.set(withTtl("k", "v", "-1")));
    assertThat(raw.call(Command.TTL, key("k")).toLong()).isEqualTo(-1);
  }

  @Test
  void aSaveWithoutTtlRemovesAnEarlierOne() throws Exception {
    join(store.set(withTtl("k", "v1", "100")));

    set("k", "v2");

    assertThat(raw.call(Command.TTL, key("k")).toLong()).isEqualTo(-1);
    assertThat(get("k").metadata()).doesNotContainKey(StateStore.TTL_EXPIRE_TIME);
  }

  @Test
  void ttlExpireTimeReportsAnExpirySetByAnotherClient() throws Exception {
    raw.call(Command.HSET, key("k"), "data", "v", "version", "1");
    raw.call(Command.EXPIRE, key("k"), "3600");

    OffsetDateTime expiry =
        OffsetDateTime.parse(get("k").metadata().get(StateStore.TTL_EXPIRE_TIME));

    assertThat(expiry)
        .isAfter(OffsetDateTime.now().plusSeconds(3590))
        .isBefore(OffsetDateTime.now().plusSeconds(3601));
  }

  @Test
  void theComponentsTtlAppliesToSavesThatGiveNone() throws Exception {
    StateStore withDefault = newStore(Map.of("ttlInSeconds", "50"));

    join(withDefault.set(SetRequest.of(key("default"), bytes("v"))));
    join(withDefault.set(withTtl("own", "v", "500")));
    join(withDefault.set(withTtl("forever", "v", "-1")));
    join(
        withDefault.multi(
            List.of(
                new TransactionalOperation.Upsert(SetRequest.of(key("in-tx"), bytes("v"))),
                new TransactionalOperation.Upsert(withTtl("in-tx-own", "v", "700")))));

    assertThat(raw.call(Command.TTL, key("default")).toLong()).isBetween(45L, 50L);
    assertThat(raw.call(Command.TTL, key("own")).toLong()).isBetween(495L, 500L);
    assertThat(raw.call(Command.TTL, key("forever")).toLong()).isEqualTo(-1);
    assertThat(raw.call(Command.TTL, key("in-tx")).toLong()).isBetween(45L, 50L);
    assertThat(raw.call(Command.TTL, key("in-tx-own")).toLong()).isBetween(695L, 700L);
    assertThat(
            withDefault
                .get(GetRequest.of(key("default")))
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS)
                .metadata())
        .containsKey(StateStore.TTL_EXPIRE_TIME);
  }

  // ---- transactions -----------------------------------------------------------------------------

  @Test
  void aTransactionRefusedForAStaleEtagLeavesEveryKeyAndTtlAsItWas() throws Exception {
    join(store.set(withTtl("timed", "before", "300")));
    set("guarded", "v1");
    String stale = get("guarded").etag();
    set("guarded", "v2");

    ComponentException e =
        failure(
            store.multi(
                List.of(
                    new TransactionalOperation.Upsert(withTtl("timed", "after", "-1")),
                    new TransactionalOperation.Delete(
                        new DeleteRequest(key("guarded"), stale, Map.of(), null)))));

    assertThat(e.reason()).isEqualTo(Reason.ETAG_MISMATCH);
    assertThat(e.getMessage()).contains(key("guarded"));
    assertThat(text(get("timed"))).isEqualTo("before");
    assertThat(raw.call(Command.TTL, key("timed")).toLong()).isBetween(290L, 300L);
    assertThat(text(get("guarded"))).isEqualTo("v2");
  }

  @Test
  void aLaterStepOfATransactionSeesTheEarlierSteps() throws Exception {
    set("k", "v");

    // Deleting first makes the key absent, so a first-write upsert after it succeeds.
    join(
        store.multi(
            List.of(
                new TransactionalOperation.Delete(DeleteRequest.of(key("k"))),
                new TransactionalOperation.Upsert(
                    new SetRequest(
                        key("k"),
                        bytes("again"),
                        null,
                        Map.of(),
                        new StateOptions(Concurrency.FIRST_WRITE, null))))));

    assertThat(text(get("k"))).isEqualTo("again");
  }

  // ---- metadata ---------------------------------------------------------------------------------

  @Test
  void anActorStateStoreIsAcceptedAndHasEtagsAndTransactions() throws Exception {
    StateStore actors = newStore(Map.of("actorStateStore", "true"));

    assertThat(actors.features())
        .containsExactlyInAnyOrder(
            StateStore.FEATURE_ETAG, StateStore.FEATURE_TRANSACTIONAL, StateStore.FEATURE_TTL);
  }

  @Test
  void initFailsAtOnceWhenNothingListensAndNamesTheAddress() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    RedisStateStore s = new RedisStateStore();
    Map<String, String> md =
        Map.of("redisHost", "127.0.0.1:" + port, "redisPassword", "very-secret-word");

    assertThatThrownBy(
            () ->
                s.init(
                    new ComponentMetadata("statestore", md),
                    ComponentContext.of("app", "", Runnable::run, Map.of())))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("127.0.0.1:" + port)
        .hasMessageNotContaining("very-secret-word");
    s.close();
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private String key(String name) {
    return prefix + name;
  }

  private void set(String name, String value) {
    join(store.set(SetRequest.of(key(name), bytes(value))));
  }

  private GetResponse get(String name) {
    return join(store.get(GetRequest.of(key(name))));
  }

  private SetRequest withTtl(String name, String value, String ttl) {
    return new SetRequest(
        key(name), bytes(value), null, Map.of(StateStore.TTL_IN_SECONDS, ttl), null);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  private static String text(GetResponse r) {
    assertThat(r).isNotNull();
    return new String(r.data(), UTF_8);
  }

  static <T> T join(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("operation failed: " + e.getCause(), e.getCause());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static ComponentException failure(CompletionStage<?> stage) {
    try {
      stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(ComponentException.class);
      return (ComponentException) e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("expected the operation to fail, but it succeeded");
  }
}
