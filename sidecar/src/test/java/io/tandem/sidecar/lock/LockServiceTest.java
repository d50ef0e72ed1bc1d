package io.tandem.sidecar.lock;

import static io.tandem.sidecar.fakes.FakeRegistry.component;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dapr.v1.DaprLockProtos.TryLockRequest;
import io.dapr.v1.DaprLockProtos.UnlockRequest;
import io.dapr.v1.DaprLockProtos.UnlockResponse;
import io.tandem.sidecar.api.ApiError;
import io.tandem.sidecar.api.ApiException;
import io.tandem.sidecar.fakes.FakeLockStore;
import io.tandem.sidecar.fakes.FakeRegistry;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LockServiceTest {
  FakeRegistry fakes;

  @AfterEach
  void close() {
    if (fakes != null) {
      fakes.registry.close();
    }
  }

  LockService service(String yaml) throws Exception {
    fakes = new FakeRegistry("app", yaml);
    return new LockService(fakes.registry, "app");
  }

  static TryLockRequest lock(String store, String resource, String owner, int expiry) {
    return TryLockRequest.newBuilder()
        .setStoreName(store)
        .setResourceId(resource)
        .setLockOwner(owner)
        .setExpiryInSeconds(expiry)
        .build();
  }

  static UnlockRequest unlock(String store, String resource, String owner) {
    return UnlockRequest.newBuilder()
        .setStoreName(store)
        .setResourceId(resource)
        .setLockOwner(owner)
        .build();
  }

  static <T> T join(CompletionStage<T> s) {
    return s.toCompletableFuture().join();
  }

  static ApiException failure(CompletionStage<?> s) {
    try {
      s.toCompletableFuture().join();
    } catch (CompletionException e) {
      return (ApiException) e.getCause();
    }
    throw new AssertionError("expected a failure");
  }

  @Test
  void locksAndUnlocksUnderTheAppIdPrefix() throws Exception {
    LockService locks = service(component("locks", FakeLockStore.TYPE));
    assertThat(join(locks.tryLock(lock("locks", "order-1", "a", 10))).getSuccess()).isTrue();
    assertThat(join(locks.tryLock(lock("locks", "order-1", "b", 10))).getSuccess()).isFalse();
    assertThat(join(locks.unlock(unlock("locks", "order-1", "b"))).getStatus())
        .isEqualTo(UnlockResponse.Status.LOCK_BELONGS_TO_OTHERS);
    assertThat(join(locks.unlock(unlock("locks", "order-1", "a"))).getStatus())
        .isEqualTo(UnlockResponse.Status.SUCCESS);
    assertThat(join(locks.unlock(unlock("locks", "order-1", "a"))).getStatus())
        .isEqualTo(UnlockResponse.Status.LOCK_DOES_NOT_EXIST);
    assertThat(fakes.lock(0).resourceIds).allMatch(id -> id.equals("lock||app||order-1"));
  }

  @Test
  void keyPrefixStrategiesAsDapr() throws Exception {
    LockService locks =
        service(
            component("byname", FakeLockStore.TYPE, "keyPrefix", "name")
                + component("bare", FakeLockStore.TYPE, "keyPrefix", "none")
                + component("custom", FakeLockStore.TYPE, "keyPrefix", "Shared"));
    join(locks.tryLock(lock("byname", "r", "o", 1)));
    join(locks.tryLock(lock("bare", "r", "o", 1)));
    join(locks.tryLock(lock("custom", "r", "o", 1)));
    assertThat(fakes.lock(0).resourceIds).containsExactly("lock||byname||r");
    assertThat(fakes.lock(1).resourceIds).containsExactly("lock||r");
    assertThat(fakes.lock(2).resourceIds).containsExactly("lock||shared||r");
  }

  @Test
  void aKeyPrefixWithTheSeparatorIsRefusedAtStart() throws Exception {
    fakes = new FakeRegistry("app", component("bad", FakeLockStore.TYPE, "keyPrefix", "a||b"));
    assertThatThrownBy(() -> new LockService(fakes.registry, "app"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("component bad (lock.fake)")
        .hasMessageContaining("can't contain '||'");
  }

  @Test
  void validationFollowsDaprsOrderAndCodes() throws Exception {
    LockService none = service("");
    ApiException e = failure(none.tryLock(lock("locks", "r", "o", 0)));
    assertThat(e.error()).isEqualTo(ApiError.MALFORMED_REQUEST);
    assertThat(e.getMessage()).isEqualTo("ExpiryInSeconds is not positive in lock store locks");
    e = failure(none.tryLock(lock("locks", "r", "o", 5)));
    assertThat(e.errorCode()).isEqualTo("ERR_LOCK_STORE_NOT_CONFIGURED");
    assertThat(e.error().httpStatus()).isEqualTo(500);
    close();

    LockService locks = service(component("locks", FakeLockStore.TYPE));
    e = failure(locks.tryLock(lock("locks", "", "o", 5)));
    assertThat(e.errorCode()).isEqualTo("ERR_MALFORMED_REQUEST");
    assertThat(e.getMessage()).isEqualTo("ResourceId is empty in lock store locks");
    e = failure(locks.unlock(unlock("locks", "r", "")));
    assertThat(e.getMessage()).isEqualTo("LockOwner is empty in lock store locks");
    e = failure(locks.tryLock(lock("other", "r", "o", 5)));
    assertThat(e.errorCode()).isEqualTo("ERR_LOCK_STORE_NOT_FOUND");
    assertThat(e.error().httpStatus()).isEqualTo(400);
    assertThat(e.getMessage()).isEqualTo("lock store other not found");
    e = failure(locks.unlock(unlock("locks", "a||b", "o")));
    assertThat(e.errorCode()).isEqualTo("ERR_UNLOCK");
    assertThat(e.getMessage()).contains("can't contain '||'");
    assertThat(fakes.lock(0).resourceIds).isEmpty();
  }

  @Test
  void backendFailuresAreTryLockAndUnlockErrors() throws Exception {
    LockService locks = service(component("locks", FakeLockStore.TYPE));
    fakes.lock(0).fail = new IllegalStateException("connection refused");
    ApiException e = failure(locks.tryLock(lock("locks", "r", "o", 5)));
    assertThat(e.errorCode()).isEqualTo("ERR_TRY_LOCK");
    assertThat(e.getMessage()).isEqualTo("failed to try acquiring lock: connection refused");
    e = failure(locks.unlock(unlock("locks", "r", "o")));
    assertThat(e.errorCode()).isEqualTo("ERR_UNLOCK");
    assertThat(e.getMessage()).isEqualTo("failed to release lock: connection refused");
  }
}
