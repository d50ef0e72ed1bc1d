package io.tandem.sidecar.invoke;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Resolution over a real registry file: replicas, round-robin, removal, expiry. */
class StandaloneNameResolverIT {
  @TempDir Path dir;
  Vertx vertx;
  final List<StandaloneNameResolver> started = new ArrayList<>();
  final SqliteNameRegistryIT.ManualClock clock = new SqliteNameRegistryIT.ManualClock();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() throws Exception {
    started.forEach(StandaloneNameResolver::close);
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  StandaloneNameResolver sidecar(String appId, int port) throws Exception {
    StandaloneNameResolver r =
        StandaloneNameResolver.start(
            vertx,
            dir.resolve("registry.db"),
            new AppAddress(appId, "", "127.0.0.1", port),
            Duration.ofHours(1), // heartbeats are driven by hand through the clock here
            Duration.ofSeconds(10),
            Duration.ZERO, // no cache: every resolve reads the file
            clock);
    started.add(r);
    return r;
  }

  static AppAddress get(Future<AppAddress> f) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  @Test
  void replicasAreChosenRoundRobin() throws Exception {
    StandaloneNameResolver caller = sidecar("caller", 4000);
    sidecar("orders", 4001);
    sidecar("orders", 4002);
    sidecar("orders", 4003);

    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      ports.add(get(caller.resolve("orders", "")).port());
    }
    assertThat(ports).containsExactly(4001, 4002, 4003, 4001, 4002, 4003);
  }

  @Test
  void aClosedSidecarIsNoLongerResolved() throws Exception {
    StandaloneNameResolver caller = sidecar("caller", 4000);
    StandaloneNameResolver orders = sidecar("orders", 4001);
    assertThat(get(caller.resolve("orders", "")).port()).isEqualTo(4001);

    orders.close();

    assertThatThrownBy(() -> get(caller.resolve("orders", "")))
        .isInstanceOf(NameResolver.NotRegisteredException.class)
        .hasMessage("app id orders is not registered");
  }

  @Test
  void aSidecarThatStoppedHeartbeatingExpires() throws Exception {
    StandaloneNameResolver caller = sidecar("caller", 4000);
    sidecar("orders", 4001);
    clock.advance(Duration.ofSeconds(11));

    assertThatThrownBy(() -> get(caller.resolve("orders", "")))
        .isInstanceOf(NameResolver.NotRegisteredException.class);
  }
}
