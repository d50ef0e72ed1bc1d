package io.tandem.components.lock;

import io.tandem.components.Component;
import java.util.concurrent.CompletionStage;

/**
 * A distributed lock behind the lock API ({@code lock.*} components). A lock is held by one owner
 * until the owner unlocks it or its expiry passes, whichever comes first. The sidecar adds the key
 * prefix to {@code resourceId}; the store uses it as it is.
 */
public interface LockStore extends Component {

  /** How an unlock went; the gRPC API's numbers follow this order. */
  enum UnlockStatus {
    SUCCESS,
    LOCK_DOES_NOT_EXIST,
    LOCK_BELONGS_TO_OTHERS
  }

  /**
   * Takes the lock for {@code lockOwner} for {@code expiryInSeconds} (at least 1). Completes with
   * {@code false} when another owner holds it; a backend failure completes exceptionally. Taking a
   * lock the same owner already holds is {@code false} too, as in Dapr: locks are not re-entrant.
   */
  CompletionStage<Boolean> tryLock(String resourceId, String lockOwner, int expiryInSeconds);

  /** Releases the lock when {@code lockOwner} holds it. */
  CompletionStage<UnlockStatus> unlock(String resourceId, String lockOwner);
}
