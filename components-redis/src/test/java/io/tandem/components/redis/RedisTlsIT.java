package io.tandem.components.redis;

import static io.tandem.components.redis.RedisSettingsTest.pem;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.components.Component;
import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.pubsub.PublishRequest;
import io.tandem.components.pubsub.SubscribeRequest;
import io.tandem.components.pubsub.TopicSubscription;
import io.tandem.components.redis.lock.RedisLockStore;
import io.tandem.components.redis.pubsub.RedisPubSub;
import io.tandem.components.redis.state.RedisStateStore;
import io.tandem.components.state.GetRequest;
import io.tandem.components.state.SetRequest;
import io.tandem.components.testing.PrivateRedis;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Redis components over TLS, against a private redis-server that serves TLS only with a
 * certificate of a test CA and wants a client certificate of that CA: {@code enableTLS}, {@code
 * insecureSkipTLSVerify}, {@code clientCert} and {@code clientKey}.
 */
class RedisTlsIT {
  private static PrivateRedis redis;
  private static int tlsPort;

  private final ExecutorService workers = Executors.newCachedThreadPool();
  private final ComponentContext context = ComponentContext.of("app", "", workers, Map.of());

  @BeforeAll
  static void startTlsServer() throws Exception {
    tlsPort = PrivateRedis.freePort();
    redis =
        PrivateRedis.start(
            false,
            "--tls-port",
            Integer.toString(tlsPort),
            "--tls-cert-file",
            file("server.pem"),
            "--tls-key-file",
            file("server-key.pem"),
            "--tls-ca-cert-file",
            file("ca.pem"),
            "--tls-auth-clients",
            "yes");
  }

  @AfterAll
  static void stopTlsServer() throws Exception {
    redis.close();
  }

  @AfterEach
  void stopWorkers() {
    workers.shutdownNow();
  }

  private static String file(String name) throws Exception {
    return Path.of(RedisTlsIT.class.getResource("/tls/" + name).toURI()).toString();
  }

  private static Map<String, String> tls(String... keyValues) {
    Map<String, String> md = new HashMap<>();
    md.put("redisHost", "127.0.0.1:" + tlsPort);
    md.put("enableTLS", "true");
    for (int i = 0; i < keyValues.length; i += 2) {
      md.put(keyValues[i], keyValues[i + 1]);
    }
    return md;
  }

  private static Map<String, String> withClientCertificate(String... keyValues) throws Exception {
    Map<String, String> md = tls(keyValues);
    md.put("clientCert", pem("client.pem"));
    md.put("clientKey", pem("client-key.pem"));
    return md;
  }

  private <C extends Component> C open(C component, Map<String, String> md) throws Exception {
    component.init(new ComponentMetadata("tls", md), context);
    return component;
  }

  @Test
  void aClientCertificateOverTlsGetsStateAndMessagesThrough() throws Exception {
    Map<String, String> md = withClientCertificate("insecureSkipTLSVerify", "true");
    try (RedisStateStore store = open(new RedisStateStore(), md)) {
      store.set(SetRequest.of("app||tls", "secret".getBytes(UTF_8))).toCompletableFuture().join();
      assertThat(
              store.get(GetRequest.of("app||tls")).toCompletableFuture().get(10, TimeUnit.SECONDS))
          .satisfies(r -> assertThat(new String(r.data(), UTF_8)).isEqualTo("secret"));
    }
    try (RedisPubSub pubsub = open(new RedisPubSub(), md)) {
      CompletableFuture<String> got = new CompletableFuture<>();
      TopicSubscription s =
          pubsub.subscribe(
              new SubscribeRequest("tls-topic", Map.of()),
              m -> {
                got.complete(new String(m.data(), UTF_8));
                return CompletableFuture.completedFuture(null);
              });
      try {
        pubsub
            .publish(new PublishRequest("tls-topic", "hello".getBytes(UTF_8), null, Map.of()))
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
        // the subscription reads on a connection of its own: over TLS too
        assertThat(got.get(20, TimeUnit.SECONDS)).isEqualTo("hello");
      } finally {
        s.close();
      }
    }
  }

  @Test
  void withoutAClientCertificateTheServerTurnsTheComponentAway() {
    assertThatThrownBy(
            () -> open(new RedisLockStore(), tls("insecureSkipTLSVerify", "true")).close())
        .isInstanceOf(ComponentException.class);
  }

  @Test
  void theServerCertificateIsVerifiedUnlessToldNotTo() {
    // the test CA is not among the JVM's trusted ones
    assertThatThrownBy(() -> open(new RedisLockStore(), withClientCertificate()).close())
        .isInstanceOf(ComponentException.class);
  }
}
