package io.tandem.sidecar.fakes;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentFactory;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.lock.LockStore;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * {@code lock.fake}: owners by resource id in memory, without expiry; records the resource ids it
 * was given so tests see the key prefix. A failure set by the test fails every call.
 */
public final class FakeLockStore implements LockStore {
  public static final String TYPE = "lock.fake";

  public final Map<String, String> owners = new ConcurrentHashMap<>();
  public final List<String> resourceIds = new CopyOnWriteArrayList<>();
  public volatile RuntimeException fail;
  public volatile String trouble;

  @Override
  public void init(ComponentMetadata metadata, ComponentContext context) {}

  @Override
  public Optional<String> trouble() {
    return Optional.ofNullable(trouble);
  }

  @Override
  public CompletionStage<Boolean> tryLock(String resourceId, String lockOwner, int expiry) {
    resourceIds.add(resourceId);
    if (fail != null) {
      return CompletableFuture.failedFuture(fail);
    }
    return CompletableFuture.completedFuture(owners.putIfAbsent(resourceId, lockOwner) == null);
  }

  @Override
  public CompletionStage<UnlockStatus> unlock(String resourceId, String lockOwner) {
    resourceIds.add(resourceId);
    if (fail != null) {
      return CompletableFuture.failedFuture(fail);
    }
    String owner = owners.get(resourceId);
    if (owner == null) {
      return CompletableFuture.completedFuture(UnlockStatus.LOCK_DOES_NOT_EXIST);
    }
    if (!owner.equals(lockOwner)) {
      return CompletableFuture.completedFuture(UnlockStatus.LOCK_BELONGS_TO_OTHERS);
    }
    owners.remove(resourceId);
    return CompletableFuture.completedFuture(UnlockStatus.SUCCESS);
  }

  /** The factory, which hands out the instances it created so tests can drive them. */
  public static final class Factory implements ComponentFactory {
    public final List<FakeLockStore> created = new CopyOnWriteArrayList<>();

    @Override
    public String type() {
      return TYPE;
    }

    @Override
    public FakeLockStore create() {
      FakeLockStore s = new FakeLockStore();
      created.add(s);
      return s;
    }
  }
}
