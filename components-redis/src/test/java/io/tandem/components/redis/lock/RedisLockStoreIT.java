package io.tandem.components.redis.lock;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.redis.RawRedis;
import io.tandem.components.testing.PrivateRedis;
import io.tandem.components.testing.TestServers;
import io.vertx.redis.client.Command;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** lock.redis refuses the set-ups where Dapr's refuses them, because a failover can lose a lock. */
class RedisLockStoreIT {
  private final ExecutorService workers = Executors.newCachedThreadPool();

  @AfterEach
  void stop() {
    workers.shutdownNow();
  }

  private void open(Map<String, String> md) {
    RedisLockStore s = new RedisLockStore();
    try {
      s.init(
          new ComponentMetadata("lockstore", md),
          ComponentContext.of("app", "", workers, Map.of()));
    } finally {
      s.close();
    }
  }

  @Test
  void failoverIsRefusedNamingTheKey() {
    assertThatThrownBy(
            () ->
                open(
                    Map.of(
                        "redisHost", TestServers.redisAddress(),
                        "failover", "true",
                        "sentinelMasterName", "mymaster")))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("failover");
  }

  @Test
  void aPrimaryWithReplicasIsRefused() throws Exception {
    try (PrivateRedis primary = PrivateRedis.start(false)) {
      String[] hostPort = primary.address().split(":");
      try (PrivateRedis replica =
          PrivateRedis.start(false, "--replicaof", hostPort[0], hostPort[1])) {
        await()
            .atMost(Duration.ofSeconds(15))
            .until(
                () ->
                    RawRedis.once(primary.address(), Command.INFO, "replication")
                        .toString()
                        .contains("connected_slaves:1"));
        assertThatThrownBy(() -> open(Map.of("redisHost", primary.address())))
            .isInstanceOf(ComponentException.class)
            .hasMessageContaining("replicas");
      }
    }
  }
}
