package io.tandem.components.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.components.ComponentContext;
import io.tandem.components.lock.LockStore.UnlockStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every lock store must do, run per store through a subclass implementing {@link #newStore}.
 * Resource ids are unique per test, so a store on a shared server needs no cleaning between tests.
 */
public abstract class LockStoreConformance {
  private static final long WAIT_SECONDS = 10;

  protected LockStore store;
  protected ExecutorService workers;
  private String prefix;

  /** A new store, initialised with {@code context}; the suite closes it after the test. */
  protected abstract LockStore newStore(ComponentContext context) throws Exception;

  @BeforeEach
  void openStore() throws Exception {
    workers = Executors.newCachedThreadPool();
    prefix = "lock-conformance-" + UUID.randomUUID() + "||";
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

  protected String resource(String name) {
    return prefix + name;
  }

  private boolean lock(String resource, String owner, int expiry) throws Exception {
    return store
        .tryLock(resource, owner, expiry)
        .toCompletableFuture()
        .get(WAIT_SECONDS, TimeUnit.SECONDS);
  }

  private UnlockStatus unlock(String resource, String owner) throws Exception {
    return store.unlock(resource, owner).toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
  }

  @Test
  void aFreeLockIsTakenAndThenRefusedToEveryoneElse() throws Exception {
    String r = resource("free");
    assertThat(lock(r, "owner-a", 60)).isTrue();
    assertThat(lock(r, "owner-b", 60)).isFalse();
    assertThat(lock(r, "owner-a", 60)).as("locks are not re-entrant").isFalse();
  }

  @Test
  void theOwnerUnlocksAndTheLockBecomesFree() throws Exception {
    String r = resource("unlock");
    assertThat(lock(r, "owner-a", 60)).isTrue();
    assertThat(unlock(r, "owner-a")).isEqualTo(UnlockStatus.SUCCESS);
    assertThat(lock(r, "owner-b", 60)).isTrue();
  }

  @Test
  void unlockingAMissingLockSaysItDoesNotExist() throws Exception {
    assertThat(unlock(resource("never-taken"), "owner-a"))
        .isEqualTo(UnlockStatus.LOCK_DOES_NOT_EXIST);
  }

  @Test
  void anotherOwnerCannotUnlockAndTheLockStaysHeld() throws Exception {
    String r = resource("others");
    assertThat(lock(r, "owner-a", 60)).isTrue();
    assertThat(unlock(r, "owner-b")).isEqualTo(UnlockStatus.LOCK_BELONGS_TO_OTHERS);
    assertThat(lock(r, "owner-c", 60)).isFalse();
    assertThat(unlock(r, "owner-a")).isEqualTo(UnlockStatus.SUCCESS);
  }

  @Test
  void aLockExpiresAfterItsExpiry() throws Exception {
    String r = resource("expiry");
    assertThat(lock(r, "owner-a", 1)).isTrue();
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> lock(r, "owner-b", 60));
    assertThat(unlock(r, "owner-a"))
        .as("the first owner's lock is gone")
        .isEqualTo(UnlockStatus.LOCK_BELONGS_TO_OTHERS);
  }

  @Test
  void aLockIsHeldUntilItsExpiry() throws Exception {
    String r = resource("held");
    assertThat(lock(r, "owner-a", 3)).isTrue();
    Thread.sleep(1500);
    assertThat(lock(r, "owner-b", 60)).as("still held halfway through its expiry").isFalse();
  }

  @Test
  void ofManyConcurrentContendersExactlyOneWins() throws Exception {
    String r = resource("race");
    List<CompletableFuture<Boolean>> attempts = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      attempts.add(store.tryLock(r, "owner-" + i, 60).toCompletableFuture());
    }
    CompletableFuture.allOf(attempts.toArray(CompletableFuture[]::new))
        .get(WAIT_SECONDS, TimeUnit.SECONDS);
    assertThat(attempts.stream().filter(CompletableFuture::join).count()).isEqualTo(1);
  }

  @Test
  void differentResourcesAreIndependent() throws Exception {
    assertThat(lock(resource("one"), "owner-a", 60)).isTrue();
    assertThat(lock(resource("two"), "owner-b", 60)).isTrue();
  }
}
