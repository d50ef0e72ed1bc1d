package io.tandem.components.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.components.Component;
import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.pubsub.PublishRequest;
import io.tandem.components.redis.configuration.RedisConfigurationStore;
import io.tandem.components.redis.lock.RedisLockStore;
import io.tandem.components.redis.pubsub.RedisPubSub;
import io.tandem.components.redis.state.RedisStateStore;
import io.tandem.components.state.GetRequest;
import io.tandem.components.testing.TestServers;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every Redis component runs on the sidecar's Vert.x when the context offers one (its answers
 * arrive on that instance's event loops), and closing the component leaves that Vert.x running.
 */
class RedisSharedVertxIT {
  private Vertx shared;
  private ComponentContext context;

  @BeforeEach
  void setUp() {
    shared = Vertx.vertx();
    context = ComponentContext.of("app", "", Runnable::run, Map.of()).sharing(shared);
  }

  @AfterEach
  void tearDown() throws Exception {
    shared.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private <C extends Component> void runsOnTheSharedVertx(
      C component, Function<C, CompletionStage<?>> operation) throws Exception {
    component.init(
        new ComponentMetadata(
            "shared-" + UUID.randomUUID(), Map.of("redisHost", TestServers.redisAddress())),
        context);
    Object owner = null;
    try {
      // an answer that came before the callback was attached runs it on this thread: try again
      for (int i = 0; i < 50 && !(owner instanceof Vertx); i++) {
        owner =
            operation
                .apply(component)
                .thenApply(result -> ownerOfThisThread())
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
      }
    } finally {
      component.close();
    }
    assertThat(owner).as(component.getClass().getSimpleName()).isSameAs(shared);
    CompletableFuture<Void> tick = new CompletableFuture<>();
    shared.setTimer(1, id -> tick.complete(null));
    tick.get(10, TimeUnit.SECONDS); // still running after the component closed
  }

  private static Object ownerOfThisThread() {
    Context c = Vertx.currentContext();
    return c == null ? Thread.currentThread().getName() : c.owner();
  }

  @Test
  void stateRedis() throws Exception {
    runsOnTheSharedVertx(
        new RedisStateStore(), s -> s.get(GetRequest.of("app||shared-" + UUID.randomUUID())));
  }

  @Test
  void lockRedis() throws Exception {
    String resource = "shared-lock-" + UUID.randomUUID();
    runsOnTheSharedVertx(new RedisLockStore(), l -> l.tryLock(resource, "me", 5));
  }

  @Test
  void configurationRedis() throws Exception {
    runsOnTheSharedVertx(
        new RedisConfigurationStore(),
        c -> c.get(List.of("shared-" + UUID.randomUUID()), Map.of()));
  }

  @Test
  void pubsubRedis() throws Exception {
    String topic = "shared-" + UUID.randomUUID();
    runsOnTheSharedVertx(
        new RedisPubSub(),
        p -> p.publish(new PublishRequest(topic, new byte[] {1}, null, Map.of())));
    RawRedis.once(TestServers.redisAddress(), Command.DEL, topic);
  }
}
