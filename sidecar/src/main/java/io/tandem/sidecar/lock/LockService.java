package io.tandem.sidecar.lock;

import io.dapr.v1.DaprLockProtos.TryLockRequest;
import io.dapr.v1.DaprLockProtos.TryLockResponse;
import io.dapr.v1.DaprLockProtos.UnlockRequest;
import io.dapr.v1.DaprLockProtos.UnlockResponse;
import io.tandem.components.Completions;
import io.tandem.components.lock.LockStore;
import io.tandem.sidecar.api.ApiError;
import io.tandem.sidecar.api.ApiException;
import io.tandem.sidecar.registry.ComponentRegistry;
import io.tandem.sidecar.registry.LoadedComponent;
import io.tandem.sidecar.state.KeyPrefix;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The distributed lock building block, shared by the HTTP and gRPC transports: validates the
 * request in Dapr's order (expiry, any lock store at all, resource id, owner, the store), puts the
 * resource id behind the store's key prefix ({@code lock||<app-id>||<resource>} by default), calls
 * the component and turns its failures into catalog errors.
 */
public final class LockService {
  private static final Logger log = LoggerFactory.getLogger("tandem.sidecar.lock");

  private final ComponentRegistry registry;
  private final Map<String, KeyPrefix> prefixes = new HashMap<>();

  /**
   * Reads each lock store's {@code keyPrefix} once. Throws IllegalArgumentException naming the
   * component when one is illegal (contains {@code ||}), as Dapr refuses such a component.
   */
  public LockService(ComponentRegistry registry, String appId) {
    this.registry = registry;
    for (LoadedComponent c : registry.all()) {
      if (c.instance() instanceof LockStore) {
        try {
          prefixes.put(c.name(), KeyPrefix.forLock(c.metadata().get("keyPrefix"), appId, c.name()));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              "component "
                  + c.name()
                  + " ("
                  + c.type()
                  + ") in "
                  + c.source()
                  + ": metadata keyPrefix: "
                  + e.getMessage(),
              e);
        }
      }
    }
  }

  public CompletionStage<TryLockResponse> tryLock(TryLockRequest req) {
    return guard(
        () -> {
          String storeName = req.getStoreName();
          if (req.getExpiryInSeconds() <= 0) {
            throw ApiError.MALFORMED_REQUEST.exception(
                "ExpiryInSeconds is not positive in lock store " + storeName);
          }
          Target t = target(storeName, req.getResourceId(), req.getLockOwner());
          String key = key(t, req.getResourceId(), ApiError.TRY_LOCK, "try acquiring lock");
          return call(
                  () -> t.store().tryLock(key, req.getLockOwner(), req.getExpiryInSeconds()),
                  ApiError.TRY_LOCK,
                  "try acquiring lock")
              .thenApply(
                  ok -> TryLockResponse.newBuilder().setSuccess(Boolean.TRUE.equals(ok)).build());
        });
  }

  public CompletionStage<UnlockResponse> unlock(UnlockRequest req) {
    return guard(
        () -> {
          Target t = target(req.getStoreName(), req.getResourceId(), req.getLockOwner());
          String key = key(t, req.getResourceId(), ApiError.UNLOCK, "release lock");
          return call(
                  () -> t.store().unlock(key, req.getLockOwner()), ApiError.UNLOCK, "release lock")
              .thenApply(status -> UnlockResponse.newBuilder().setStatus(status(status)).build());
        });
  }

  static UnlockResponse.Status status(LockStore.UnlockStatus s) {
    if (s == null) {
      return UnlockResponse.Status.INTERNAL_ERROR;
    }
    return switch (s) {
      case SUCCESS -> UnlockResponse.Status.SUCCESS;
      case LOCK_DOES_NOT_EXIST -> UnlockResponse.Status.LOCK_DOES_NOT_EXIST;
      case LOCK_BELONGS_TO_OTHERS -> UnlockResponse.Status.LOCK_BELONGS_TO_OTHERS;
    };
  }

  private record Target(String name, LockStore store, KeyPrefix prefix) {}

  private Target target(String storeName, String resourceId, String owner) {
    if (prefixes.isEmpty()) {
      throw ApiError.LOCK_STORE_NOT_CONFIGURED.exception("lock store is not configured");
    }
    if (resourceId.isEmpty()) {
      throw ApiError.MALFORMED_REQUEST.exception("ResourceId is empty in lock store " + storeName);
    }
    if (owner.isEmpty()) {
      throw ApiError.MALFORMED_REQUEST.exception("LockOwner is empty in lock store " + storeName);
    }
    KeyPrefix prefix = prefixes.get(storeName);
    LockStore store = registry.lockStore(storeName).orElse(null);
    if (prefix == null || store == null) {
      throw ApiError.LOCK_STORE_NOT_FOUND.exception("lock store " + storeName + " not found");
    }
    return new Target(storeName, store, prefix);
  }

  private static String key(Target t, String resourceId, ApiError error, String what) {
    try {
      return t.prefix().prefixed(resourceId);
    } catch (IllegalArgumentException e) {
      throw error.exception("failed to " + what + ": " + e.getMessage());
    }
  }

  private static <T> CompletionStage<T> call(
      Supplier<CompletionStage<T>> op, ApiError error, String what) {
    return Completions.call(op)
        .handle(
            (v, err) -> {
              if (err == null) {
                return CompletableFuture.completedFuture(v);
              }
              String message = "failed to " + what + ": " + Completions.message(err);
              log.debug(message);
              return CompletableFuture.<T>failedFuture(error.exception(message));
            })
        .thenCompose(s -> s);
  }

  private static <T> CompletionStage<T> guard(Supplier<CompletionStage<T>> body) {
    try {
      return body.get();
    } catch (ApiException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
