package io.tandem.components.redis.lock;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.lock.LockStore;
import io.tandem.components.redis.RedisLink;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code lock.redis}: a lock is the key {@code resourceId} holding the owner's id, taken with
 * {@code SET NX PX} and released by a Lua script that deletes the key only when it still holds the
 * caller's id, so that checking and deleting are one atomic step.
 *
 * <p>As Dapr's, this lock refuses {@code failover: true} and a primary with replicas: a lock
 * written to a primary that fails over before replicating would be lost.
 */
public final class RedisLockStore implements LockStore {
  /** -1: no such lock; -2: someone else's; 1: deleted. */
  static final String UNLOCK_SCRIPT =
      "local v = redis.call('GET', KEYS[1]) "
          + "if not v then return -1 end "
          + "if v ~= ARGV[1] then return -2 end "
          + "return redis.call('DEL', KEYS[1])";

  private volatile RedisLink link;

  @Override
  public void init(ComponentMetadata metadata, ComponentContext context) {
    if (metadata.getBoolean("failover", false)) {
      throw ComponentException.invalid(
          "component "
              + metadata.name()
              + ": metadata 'failover' is not supported by lock.redis (a failover can lose a held"
              + " lock)");
    }
    RedisLink l = RedisLink.open(metadata, context);
    try {
      int replicas = connectedReplicas(l);
      if (replicas > 0) {
        throw new ComponentException(
            ComponentException.Reason.FAILURE,
            "component "
                + metadata.name()
                + ": lock.redis refuses a Redis primary with replicas ("
                + replicas
                + " connected): a failover can lose a held lock");
      }
    } catch (RuntimeException e) {
      l.close();
      throw e;
    }
    link = l;
  }

  private static int connectedReplicas(RedisLink l) {
    String info;
    try {
      Response r =
          l.send(Request.cmd(Command.INFO).arg("replication"))
              .toCompletableFuture()
              .get(l.waitLimit().toMillis() + 1000, java.util.concurrent.TimeUnit.MILLISECONDS);
      info = r == null ? "" : r.toString();
    } catch (Exception e) {
      // servers that refuse INFO (some managed offerings) pass, as in Dapr
      return 0;
    }
    for (String line : info.split("\r?\n")) {
      if (line.startsWith("connected_slaves:")) {
        try {
          return Integer.parseInt(line.substring("connected_slaves:".length()).trim());
        } catch (NumberFormatException e) {
          return 0;
        }
      }
    }
    return 0;
  }

  @Override
  public CompletionStage<Boolean> tryLock(
      String resourceId, String lockOwner, int expiryInSeconds) {
    if (expiryInSeconds < 1) {
      return CompletableFuture.failedFuture(
          ComponentException.invalid("expiryInSeconds must be at least 1"));
    }
    return link.send(
            Request.cmd(Command.SET)
                .arg(resourceId)
                .arg(lockOwner)
                .arg("NX")
                .arg("PX")
                .arg(expiryInSeconds * 1000L))
        // SET NX answers OK when it set the key and nil when the key existed
        .thenApply(r -> r != null);
  }

  @Override
  public CompletionStage<UnlockStatus> unlock(String resourceId, String lockOwner) {
    return link.send(
            Request.cmd(Command.EVAL).arg(UNLOCK_SCRIPT).arg(1).arg(resourceId).arg(lockOwner))
        .thenApply(
            r -> {
              long v = r.toLong();
              if (v == -1) {
                return UnlockStatus.LOCK_DOES_NOT_EXIST;
              }
              if (v == -2) {
                return UnlockStatus.LOCK_BELONGS_TO_OTHERS;
              }
              return UnlockStatus.SUCCESS;
            });
  }

  @Override
  public Optional<String> trouble() {
    RedisLink l = link;
    return l == null ? Optional.empty() : l.trouble();
  }

  @Override
  public void close() {
    RedisLink l = link;
    if (l != null) {
      l.close();
    }
  }
}
