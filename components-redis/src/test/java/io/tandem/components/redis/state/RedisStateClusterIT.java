package io.tandem.components.redis.state;

import static io.tandem.components.redis.state.RedisStateStoreIT.failure;
import static io.tandem.components.redis.state.RedisStateStoreIT.join;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentException.Reason;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.redis.RawRedis;
import io.tandem.components.state.DeleteRequest;
import io.tandem.components.state.GetRequest;
import io.tandem.components.state.SetRequest;
import io.tandem.components.state.TransactionalOperation;
import io.tandem.components.testing.PrivateRedis;
import io.vertx.redis.client.Command;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code state.redis} with {@code redisType: cluster} against a private three-node Redis Cluster:
 * keys spread over the nodes, the ETag sequence kept per hash slot, and transactions confined to
 * one slot.
 */
class RedisStateClusterIT {
  private static final List<PrivateRedis> nodes = new ArrayList<>();
  private static RedisStateStore store;

  @BeforeAll
  static void startCluster() throws Exception {
    for (int i = 0; i < 3; i++) {
      nodes.add(
          PrivateRedis.start(
              false, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"));
    }
    int perNode = HashSlots.SLOTS / nodes.size();
    for (int i = 0; i < nodes.size(); i++) {
      int from = i * perNode;
      int to = i == nodes.size() - 1 ? HashSlots.SLOTS - 1 : from + perNode - 1;
      try (RawRedis raw = new RawRedis(nodes.get(i).address())) {
        List<Object> slots = new ArrayList<>();
        for (int s = from; s <= to; s++) {
          slots.add(Integer.toString(s));
        }
        raw.call(Command.CLUSTER, prepend("ADDSLOTS", slots));
        if (i > 0) {
          String[] first = nodes.get(0).address().split(":");
          raw.call(Command.CLUSTER, "MEET", first[0], first[1]);
        }
      }
    }
    for (PrivateRedis node : nodes) {
      try (RawRedis raw = new RawRedis(node.address())) {
        await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> raw.call(Command.CLUSTER, "INFO").toString().contains("cluster_state:ok"));
      }
    }
    store = new RedisStateStore();
    store.init(
        new ComponentMetadata(
            "statestore",
            Map.of(
                "redisHost",
                String.join(",", nodes.stream().map(PrivateRedis::address).toList()),
                "redisType",
                "cluster")),
        ComponentContext.of("app", "", Runnable::run, Map.of()));
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (store != null) {
      store.close();
    }
    for (PrivateRedis node : nodes) {
      node.close();
    }
  }

  private static Object[] prepend(String first, List<Object> rest) {
    List<Object> all = new ArrayList<>();
    all.add(first);
    all.addAll(rest);
    return all.toArray();
  }

  @Test
  void keysOnEveryNodeAreWrittenReadAndGuardedByTheirEtags() throws Exception {
    Set<Integer> owners = new HashSet<>();
    for (int i = 0; i < 30; i++) {
      String key = "app||spread-" + i;
      owners.add(HashSlots.slot(key) / (HashSlots.SLOTS / 3));
      join(store.set(SetRequest.of(key, ("v" + i).getBytes(UTF_8))));
      String etag = join(store.get(GetRequest.of(key))).etag();
      join(store.set(new SetRequest(key, ("w" + i).getBytes(UTF_8), etag, Map.of(), null)));

      ComponentException stale =
          failure(store.set(new SetRequest(key, "x".getBytes(UTF_8), etag, Map.of(), null)));
      assertThat(stale.reason()).isEqualTo(Reason.ETAG_MISMATCH);
      assertThat(new String(join(store.get(GetRequest.of(key))).data(), UTF_8)).isEqualTo("w" + i);
    }
    assertThat(owners).hasSize(3);
  }

  @Test
  void anEtagIsNotReusedAfterDeleteAndRecreate() {
    String key = "app||recreated";
    join(store.set(SetRequest.of(key, "v1".getBytes(UTF_8))));
    String first = join(store.get(GetRequest.of(key))).etag();
    join(store.delete(DeleteRequest.of(key)));
    join(store.set(SetRequest.of(key, "v2".getBytes(UTF_8))));

    assertThat(join(store.get(GetRequest.of(key))).etag()).isNotEqualTo(first);
  }

  @Test
  void aTransactionOverKeysSharingAHashTagIsAllOrNothing() {
    String a = "app||{order-7}header";
    String b = "app||{order-7}lines";
    join(store.set(SetRequest.of(b, "old".getBytes(UTF_8))));
    String staleB = join(store.get(GetRequest.of(b))).etag();
    join(store.set(SetRequest.of(b, "current".getBytes(UTF_8))));

    ComponentException e =
        failure(
            store.multi(
                List.of(
                    new TransactionalOperation.Upsert(SetRequest.of(a, "new".getBytes(UTF_8))),
                    new TransactionalOperation.Upsert(
                        new SetRequest(b, "new".getBytes(UTF_8), staleB, Map.of(), null)))));
    assertThat(e.reason()).isEqualTo(Reason.ETAG_MISMATCH);
    assertThat(join(store.get(GetRequest.of(a)))).isNull();

    join(
        store.multi(
            List.of(
                new TransactionalOperation.Upsert(SetRequest.of(a, "new".getBytes(UTF_8))),
                new TransactionalOperation.Delete(DeleteRequest.of(b)))));
    assertThat(new String(join(store.get(GetRequest.of(a))).data(), UTF_8)).isEqualTo("new");
    assertThat(join(store.get(GetRequest.of(b)))).isNull();
  }

  @Test
  void aTransactionSpanningHashSlotsIsRefusedAndNamesTheWayOut() {
    ComponentException e =
        failure(
            store.multi(
                List.of(
                    new TransactionalOperation.Upsert(
                        SetRequest.of("app||one", "1".getBytes(UTF_8))),
                    new TransactionalOperation.Upsert(
                        SetRequest.of("app||two", "2".getBytes(UTF_8))))));

    assertThat(e.reason()).isEqualTo(Reason.INVALID_ARGUMENT);
    assertThat(e.getMessage()).contains("hash tag");
    assertThat(join(store.get(GetRequest.of("app||one")))).isNull();
  }
}
