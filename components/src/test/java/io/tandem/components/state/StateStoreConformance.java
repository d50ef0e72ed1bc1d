package io.tandem.components.state;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentException.Reason;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every state store with ETags, transactions and TTLs must show, written once and run
 * per store through a thin subclass that implements {@link #newStore}.
 *
 * <p>Each test gets a fresh store from {@link #newStore} and closes it afterwards. Keys carry a
 * prefix unique to the test, so a store backed by a shared server (Redis, PostgreSQL) needs no
 * flushing between tests. A subclass cleans up its own resources (temporary directories,
 * containers) in its own {@code @AfterEach}, which JUnit runs after this class's.
 */
public abstract class StateStoreConformance {
  private static final Duration WAIT = Duration.ofSeconds(10);

  /** The store under test, created by {@link #newStore} before each test. */
  protected StateStore store;

  /** Lent to the store as its blocking executor; shut down after each test. */
  protected ExecutorService workers;

  private String prefix;

  /**
   * Creates a new store and initialises it with {@code context}, ready for use. The suite closes it
   * after the test.
   */
  protected abstract StateStore newStore(ComponentContext context) throws Exception;

  @BeforeEach
  void openStore() throws Exception {
    AtomicInteger n = new AtomicInteger();
    workers =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "conformance-worker-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    prefix = "conformance-" + UUID.randomUUID() + "||";
    store = newStore(ComponentContext.of("conformance", "", workers, Map.of()));
  }

  @AfterEach
  void closeStore() throws Exception {
    try {
      if (store != null) {
        store.close();
      }
    } finally {
      workers.shutdownNow();
    }
  }

  // ---- features -------------------------------------------------------------------------------

  @Test
  void advertisesEtagTransactionsAndTtlAndNothingTheSuiteDoesNotProve() {
    assertThat(store.features())
        .containsExactlyInAnyOrder(
            StateStore.FEATURE_ETAG, StateStore.FEATURE_TRANSACTIONAL, StateStore.FEATURE_TTL);
  }

  // ---- set and get ------------------------------------------------------------------------------

  @Test
  void setAndGetAnInt() {
    assertRoundTrip("int", "42".getBytes(UTF_8));
  }

  @Test
  void setAndGetABool() {
    assertRoundTrip("bool", "true".getBytes(UTF_8));
  }

  @Test
  void setAndGetRawBytesThatAreNotUtf8() {
    assertRoundTrip(
        "bytes", new byte[] {0, (byte) 0xFF, (byte) 0xFE, (byte) 0x80, (byte) 0xC3, 40});
  }

  @Test
  void setAndGetAJsonDocument() {
    assertRoundTrip(
        "json",
        "{\"name\":\"tandem\",\"count\":3,\"nested\":{\"list\":[true,null,\"x\"]},\"é\":\"ü\"}"
            .getBytes(UTF_8));
  }

  @Test
  void setAndGetAString() {
    assertRoundTrip("string", "hello, wörld ✓".getBytes(UTF_8));
  }

  @Test
  void setAndGetTheEmptyString() {
    assertRoundTrip("empty", new byte[0]);
  }

  @Test
  void overwritingReplacesTheValue() {
    set("k", "first");
    set("k", "second");

    assertThat(text(get("k"))).isEqualTo("second");
  }

  @Test
  void getOfAMissingKeyReturnsNull() {
    assertThat(get("never-written")).isNull();
  }

  // ---- delete -----------------------------------------------------------------------------------

  @Test
  void deleteRemovesTheKey() {
    set("k", "v");

    join(store.delete(DeleteRequest.of(key("k"))));

    assertThat(get("k")).isNull();
  }

  @Test
  void deleteOfAMissingKeySucceeds() {
    join(store.delete(DeleteRequest.of(key("never-written"))));

    assertThat(get("never-written")).isNull();
  }

  // ---- bulk -------------------------------------------------------------------------------------

  @Test
  void bulkGetReturnsPresentKeysWithDataAndMissingKeysWithNull() {
    set("a", "value-a");
    set("b", "value-b");

    List<BulkGetItem> items =
        join(
            store.bulkGet(
                List.of(
                    GetRequest.of(key("a")), GetRequest.of(key("gone")), GetRequest.of(key("b")))));

    assertThat(items).extracting(BulkGetItem::key).containsExactly(key("a"), key("gone"), key("b"));
    assertThat(items.get(0).error()).isNull();
    assertThat(text(items.get(0).response())).isEqualTo("value-a");
    assertThat(items.get(0).response().etag()).isEqualTo(get("a").etag());
    assertThat(items.get(1).response()).isNull();
    assertThat(items.get(1).error()).isNull();
    assertThat(text(items.get(2).response())).isEqualTo("value-b");
    assertThat(items.get(2).response().etag()).isEqualTo(get("b").etag());
  }

  @Test
  void bulkSetWithOneStaleEtagFailsOnlyThatKey() {
    set("k2", "old");
    String staleEtag = get("k2").etag();
    set("k2", "current");
    String currentEtag = get("k2").etag();

    ComponentException e =
        failure(
            store.bulkSet(
                List.of(
                    SetRequest.of(key("k1"), bytes("one")),
                    new SetRequest(key("k2"), bytes("clobbered"), staleEtag, Map.of(), null),
                    SetRequest.of(key("k3"), bytes("three")))));

    assertThat(e).isInstanceOf(BulkSetException.class);
    assertThat(((BulkSetException) e).failures()).containsOnlyKeys(key("k2"));
    assertThat(((BulkSetException) e).failures().get(key("k2")).reason())
        .isEqualTo(Reason.ETAG_MISMATCH);
    assertThat(e.getMessage()).contains(key("k2"));
    assertThat(text(get("k1"))).isEqualTo("one");
    assertThat(text(get("k3"))).isEqualTo("three");
    assertThat(text(get("k2"))).isEqualTo("current");
    assertThat(get("k2").etag()).isEqualTo(currentEtag);
  }

  // ---- transactions -----------------------------------------------------------------------------

  @Test
  void transactionAppliesUpsertsAndDeletes() {
    set("k1", "doomed");

    join(
        store.multi(
            List.of(
                upsert(SetRequest.of(key("k2"), bytes("added"))),
                new TransactionalOperation.Delete(DeleteRequest.of(key("k1"))))));

    assertThat(get("k1")).isNull();
    assertThat(text(get("k2"))).isEqualTo("added");
  }

  @Test
  void transactionAppliesStepsInOrder() {
    set("k1", "exists");

    join(
        store.multi(
            List.of(
                new TransactionalOperation.Delete(DeleteRequest.of(key("k1"))),
                upsert(SetRequest.of(key("k2"), bytes("short-lived"))),
                new TransactionalOperation.Delete(DeleteRequest.of(key("k2"))),
                upsert(SetRequest.of(key("k3"), bytes("survivor"))))));

    assertThat(get("k1")).isNull();
    assertThat(get("k2")).isNull();
    assertThat(text(get("k3"))).isEqualTo("survivor");
  }

  @Test
  void transactionWithAStaleEtagInALaterStepAppliesNothing() {
    set("existing", "before");
    String existingEtag = get("existing").etag();
    set("guarded", "v1");
    String staleEtag = get("guarded").etag();
    set("guarded", "v2");
    String guardedEtag = get("guarded").etag();
    set("to-delete", "kept");

    ComponentException e =
        failure(
            store.multi(
                List.of(
                    upsert(SetRequest.of(key("new"), bytes("first write"))),
                    upsert(SetRequest.of(key("new"), bytes("second write"))),
                    upsert(SetRequest.of(key("existing"), bytes("after"))),
                    new TransactionalOperation.Delete(DeleteRequest.of(key("to-delete"))),
                    upsert(
                        new SetRequest(key("guarded"), bytes("v3"), staleEtag, Map.of(), null)))));

    assertThat(e.reason()).isEqualTo(Reason.ETAG_MISMATCH);
    assertThat(get("new")).isNull();
    assertThat(text(get("existing"))).isEqualTo("before");
    assertThat(get("existing").etag()).isEqualTo(existingEtag);
    assertThat(text(get("to-delete"))).isEqualTo("kept");
    assertThat(text(get("guarded"))).isEqualTo("v2");
    assertThat(get("guarded").etag()).isEqualTo(guardedEtag);
  }

  @Test
  void transactionWithTheRightEtagsSucceeds() {
    set("k", "v1");
    String etag = get("k").etag();

    join(store.multi(List.of(upsert(new SetRequest(key("k"), bytes("v2"), etag, Map.of(), null)))));

    assertThat(text(get("k"))).isEqualTo("v2");
    assertThat(get("k").etag()).isNotEqualTo(etag);
  }

  // ---- ETags ------------------------------------------------------------------------------------

  @Test
  void firstSetProducesAnEtag() {
    set("k", "v");

    assertThat(get("k").etag()).isNotBlank();
  }

  @Test
  void setWithAWrongEtagFailsWithEtagMismatch() {
    set("k", "v1");
    String stale = get("k").etag();
    set("k", "v2");

    ComponentException e =
        failure(store.set(new SetRequest(key("k"), bytes("v3"), stale, Map.of(), null)));

    assertThat(e.reason()).isEqualTo(Reason.ETAG_MISMATCH);
    assertThat(text(get("k"))).isEqualTo("v2");
  }

  @Test
  void setWithAnEtagOnAMissingKeyFailsWithEtagMismatch() {
    set("other", "v");
    String etagOfAnotherKey = get("other").etag();

    ComponentException e =
        failure(store.set(new SetRequest(key("k"), bytes("v"), etagOfAnotherKey, Map.of(), null)));

    assertThat(e.reason()).isEqualTo(Reason.ETAG_MISMATCH);
    assertThat(get("k")).isNull();
  }

  @Test
  void setWithAMalformedEtagFailsWithEtagInvalid() {
    set("k", "v1");

    ComponentException e =
        failure(store.set(new SetRequest(key("k"), bytes("v2"), "not-a-number", Map.of(), null)));

    assertThat(e.reason()).isEqualTo(Reason.ETAG_INVALID);
    assertThat(text(get("k"))).isEqualTo("v1");
  }

  @Test
  void setWithTheRightEtagSucceedsAndChangesTheEtag() {
    set("k", "v1");
    String etag = get("k").etag();

    join(store.set(new SetRequest(key("k"), bytes("v2"), etag, Map.of(), null)));

    assertThat(text(get("k"))).isEqualTo("v2");
    assertThat(get("k").etag()).isNotBlank().isNotEqualTo(etag);
  }

  @Test
  void deleteWithAStaleEtagFails() {
    set("k", "v1");
    String stale = get("k").etag();
    set("k", "v2");

    ComponentException e =
        failure(store.delete(new DeleteRequest(key("k"), stale, Map.of(), null)));

    assertThat(e.reason()).isEqualTo(Reason.ETAG_MISMATCH);
    assertThat(text(get("k"))).isEqualTo("v2");
  }

  @Test
  void deleteWithAMalformedEtagFailsWithEtagInvalid() {
    set("k", "v");

    ComponentException e =
        failure(store.delete(new DeleteRequest(key("k"), "not-a-number", Map.of(), null)));

    assertThat(e.reason()).isEqualTo(Reason.ETAG_INVALID);
    assertThat(text(get("k"))).isEqualTo("v");
  }

  @Test
  void deleteWithTheRightEtagSucceeds() {
    set("k", "v");
    String etag = get("k").etag();

    join(store.delete(new DeleteRequest(key("k"), etag, Map.of(), null)));

    assertThat(get("k")).isNull();
  }

  @Test
  void anEtagIsNotReusedAfterDeleteAndRecreate() {
    set("k", "v1");
    String first = get("k").etag();
    join(store.delete(DeleteRequest.of(key("k"))));
    set("k", "v2");
    String second = get("k").etag();

    assertThat(second).isNotEqualTo(first);
    ComponentException e =
        failure(store.set(new SetRequest(key("k"), bytes("v3"), first, Map.of(), null)));
    assertThat(e.reason()).isEqualTo(Reason.ETAG_MISMATCH);
    assertThat(text(get("k"))).isEqualTo("v2");
  }

  // ---- concurrency options
  // ------------------------------------------------------------------------

  @Test
  void firstWriteWithoutEtagOnAnExistingKeyFails() {
    set("k", "original");

    ComponentException e =
        failure(
            store.set(
                new SetRequest(
                    key("k"),
                    bytes("intruder"),
                    null,
                    Map.of(),
                    options(Concurrency.FIRST_WRITE))));

    assertThat(e.reason()).isEqualTo(Reason.ETAG_MISMATCH);
    assertThat(text(get("k"))).isEqualTo("original");
  }

  @Test
  void firstWriteWithoutEtagOnANewKeySucceeds() {
    join(
        store.set(
            new SetRequest(
                key("k"), bytes("first"), null, Map.of(), options(Concurrency.FIRST_WRITE))));

    assertThat(text(get("k"))).isEqualTo("first");
  }

  @Test
  void firstWriteWithTheRightEtagSucceeds() {
    set("k", "v1");
    String etag = get("k").etag();

    join(
        store.set(
            new SetRequest(
                key("k"), bytes("v2"), etag, Map.of(), options(Concurrency.FIRST_WRITE))));

    assertThat(text(get("k"))).isEqualTo("v2");
  }

  @Test
  void lastWriteIgnoresAStaleEtag() {
    set("k", "v1");
    String stale = get("k").etag();
    set("k", "v2");

    join(
        store.set(
            new SetRequest(
                key("k"), bytes("v3"), stale, Map.of(), options(Concurrency.LAST_WRITE))));

    assertThat(text(get("k"))).isEqualTo("v3");
  }

  // ---- TTL --------------------------------------------------------------------------------------

  @Test
  void aNonNumericTtlIsRefused() {
    ComponentException e = failure(store.set(withTtl("k", "v", "soon")));

    assertThat(e.reason()).isEqualTo(Reason.INVALID_ARGUMENT);
    assertThat(e.getMessage()).contains(StateStore.TTL_IN_SECONDS);
    assertThat(get("k")).isNull();
  }

  @Test
  void aNonNumericTtlInATransactionIsRefusedAndNothingIsApplied() {
    ComponentException e =
        failure(
            store.multi(
                List.of(
                    upsert(SetRequest.of(key("plain"), bytes("v"))),
                    upsert(withTtl("timed", "v", "1.5")))));

    assertThat(e.reason()).isEqualTo(Reason.INVALID_ARGUMENT);
    assertThat(get("plain")).isNull();
    assertThat(get("timed")).isNull();
  }

  @Test
  void anItemWithATtlExpires() {
    join(store.set(withTtl("k", "short-lived", "2")));
    assertThat(text(get("k"))).isEqualTo("short-lived");

    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(() -> assertThat(get("k")).isNull());
  }

  @Test
  void ttlExpireTimeIsAFutureRfc3339TimeWhenATtlIsSet() {
    OffsetDateTime before = OffsetDateTime.now();
    join(store.set(withTtl("k", "v", "100")));

    String expireTime = get("k").metadata().get(StateStore.TTL_EXPIRE_TIME);

    assertThat(expireTime).isNotNull();
    OffsetDateTime expiry = OffsetDateTime.parse(expireTime);
    assertThat(expiry)
        .isAfter(before.plusSeconds(98))
        .isBefore(OffsetDateTime.now().plusSeconds(102));
  }

  @Test
  void ttlExpireTimeIsAbsentWithoutATtl() {
    set("k", "v");

    assertThat(get("k").metadata()).doesNotContainKey(StateStore.TTL_EXPIRE_TIME);
  }

  @Test
  void savingWithTtlMinusOneRemovesTheTtl() {
    join(store.set(withTtl("k", "v1", "1")));
    join(store.set(withTtl("k", "v2", "-1")));

    assertThat(get("k").metadata()).doesNotContainKey(StateStore.TTL_EXPIRE_TIME);
    await()
        .during(Duration.ofMillis(1500))
        .atMost(Duration.ofSeconds(4))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(() -> assertThat(text(get("k"))).isEqualTo("v2"));
  }

  // ---- concurrency ------------------------------------------------------------------------------

  @Test
  void concurrentSetsAllSucceedWithDistinctEtags() throws Exception {
    int threads = 8;
    int perThread = 20;
    ExecutorService callers = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      Set<String> etags = ConcurrentHashMap.newKeySet();
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        done.add(
            callers.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < perThread; i++) {
                    String k = "t" + thread + "-" + i;
                    set(k, k);
                    GetResponse r = get(k);
                    assertThat(text(r)).isEqualTo(k);
                    etags.add(r.etag());
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(30, TimeUnit.SECONDS);
      }
      assertThat(etags).hasSize(threads * perThread);
    } finally {
      callers.shutdownNow();
    }
  }

  @Test
  void ofConcurrentWritesGuardedByTheSameEtagExactlyOneWins() throws Exception {
    set("shared", "v0");
    String etag = get("shared").etag();
    int writers = 8;
    ExecutorService callers = Executors.newFixedThreadPool(writers);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Reason>> outcomes = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        SetRequest write =
            new SetRequest(key("shared"), bytes("writer-" + w), etag, Map.of(), null);
        outcomes.add(
            callers.submit(
                () -> {
                  start.await();
                  try {
                    store.set(write).toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
                    return null;
                  } catch (ExecutionException e) {
                    return e.getCause() instanceof ComponentException ce
                        ? ce.reason()
                        : Reason.FAILURE;
                  }
                }));
      }
      start.countDown();
      List<Reason> results = new ArrayList<>();
      for (Future<Reason> f : outcomes) {
        results.add(f.get(30, TimeUnit.SECONDS));
      }
      assertThat(results).filteredOn(r -> r == null).hasSize(1);
      assertThat(results)
          .filteredOn(r -> r != null)
          .hasSize(writers - 1)
          .containsOnly(Reason.ETAG_MISMATCH);
      assertThat(text(get("shared"))).startsWith("writer-");
      assertThat(get("shared").etag()).isNotEqualTo(etag);
    } finally {
      callers.shutdownNow();
    }
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  @Test
  void closeIsIdempotent() throws Exception {
    set("k", "v");

    store.close();
    store.close();
  }

  // ---- helpers ----------------------------------------------------------------------------------

  /** The key as stored: {@code name} under this test's prefix. */
  protected String key(String name) {
    return prefix + name;
  }

  protected void set(String name, String value) {
    join(store.set(SetRequest.of(key(name), bytes(value))));
  }

  protected GetResponse get(String name) {
    return join(store.get(GetRequest.of(key(name))));
  }

  protected SetRequest withTtl(String name, String value, String ttlInSeconds) {
    return new SetRequest(
        key(name), bytes(value), null, Map.of(StateStore.TTL_IN_SECONDS, ttlInSeconds), null);
  }

  protected static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  protected static String text(GetResponse response) {
    assertThat(response).as("response").isNotNull();
    return new String(response.data(), UTF_8);
  }

  protected static <T> T join(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("operation failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    } catch (TimeoutException e) {
      throw new AssertionError("operation did not complete within " + WAIT, e);
    }
  }

  /** The {@link ComponentException} {@code stage} fails with; fails the test if it succeeds. */
  protected static ComponentException failure(CompletionStage<?> stage) {
    try {
      stage.toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      while (cause instanceof CompletionException && cause.getCause() != null) {
        cause = cause.getCause();
      }
      assertThat(cause).isInstanceOf(ComponentException.class);
      return (ComponentException) cause;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    } catch (TimeoutException e) {
      throw new AssertionError("operation did not complete within " + WAIT, e);
    }
    return fail("expected the operation to fail, but it succeeded");
  }

  private void assertRoundTrip(String name, byte[] value) {
    join(store.set(SetRequest.of(key(name), value)));

    GetResponse response = get(name);

    assertThat(response).isNotNull();
    assertThat(response.data()).containsExactly(value);
    assertThat(response.etag()).isNotBlank();
  }

  private static TransactionalOperation upsert(SetRequest request) {
    return new TransactionalOperation.Upsert(request);
  }

  private static StateOptions options(Concurrency concurrency) {
    return new StateOptions(concurrency, null);
  }
}
