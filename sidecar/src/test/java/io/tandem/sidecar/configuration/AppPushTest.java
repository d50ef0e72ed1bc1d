package io.tandem.sidecar.configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.components.configuration.ConfigurationItem;
import io.tandem.sidecar.appchannel.AppChannel;
import io.tandem.sidecar.appchannel.AppRequest;
import io.tandem.sidecar.appchannel.AppResponse;
import io.tandem.sidecar.appchannel.AppSubscription;
import io.tandem.sidecar.appchannel.BindingEventResult;
import io.tandem.sidecar.appchannel.BufferReadStream;
import io.tandem.sidecar.appchannel.BulkTopicEvent;
import io.tandem.sidecar.appchannel.TopicEvent;
import io.tandem.sidecar.appchannel.TopicEventResult;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** How updates of an HTTP subscription are pushed into the app, through a recording channel. */
class AppPushTest {
  final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** An app whose answers the test gives, one promise per call. */
  final class RecordingApp implements AppChannel {
    record Call(AppRequest request, String body, Promise<AppResponse> answer) {}

    final List<Call> calls = new CopyOnWriteArrayList<>();

    @Override
    public Future<AppResponse> invoke(AppRequest request) {
      CompletableFuture<String> body = new CompletableFuture<>();
      Buffer acc = Buffer.buffer();
      request.body().handler(acc::appendBuffer);
      request.body().endHandler(v -> body.complete(acc.toString()));
      request.body().resume();
      Promise<AppResponse> answer = Promise.promise();
      // recorded once the body was read (on the event loop; never block it here)
      body.thenAccept(b -> calls.add(new Call(request, b, answer)));
      return answer.future();
    }

    void answer(int i, int status) {
      calls
          .get(i)
          .answer()
          .complete(
              new AppResponse(
                  status,
                  MultiMap.caseInsensitiveMultiMap(),
                  new BufferReadStream(vertx, Buffer.buffer("ok"))));
    }

    @Override
    public Future<List<AppSubscription>> subscriptions() {
      return Future.succeededFuture(List.of());
    }

    @Override
    public Future<TopicEventResult> deliver(TopicEvent event) {
      return Future.failedFuture("not in this test");
    }

    @Override
    public Future<Map<String, TopicEventResult>> deliverBulk(BulkTopicEvent event) {
      return Future.failedFuture("not in this test");
    }

    @Override
    public Future<Boolean> acceptsBinding(String name) {
      return Future.succeededFuture(false);
    }

    @Override
    public Future<BindingEventResult> deliverBinding(
        String name, byte[] data, Map<String, String> metadata) {
      return Future.failedFuture("not in this test");
    }

    @Override
    public Future<Boolean> probeHealth() {
      return Future.succeededFuture(true);
    }

    @Override
    public Future<Boolean> isListening() {
      return Future.succeededFuture(true);
    }

    @Override
    public void close() {}
  }

  static ConfigurationItem item(String value, String version) {
    return new ConfigurationItem(value, version, Map.of());
  }

  @Test
  void oneCallPerKeyWithTheWholeUpdateOneAtATimeInOrder() {
    RecordingApp app = new RecordingApp();
    AppPush push = new AppPush(app, vertx, "config");
    Map<String, ConfigurationItem> two = new LinkedHashMap<>();
    two.put("b key", item("2", "v2"));
    two.put("a/x", item("1", "v1"));
    push.update("sub-1", two);
    push.update("sub-1", Map.of("c", item("3", "")));

    await().atMost(Duration.ofSeconds(5)).until(() -> app.calls.size() == 1);
    AppRequest first = app.calls.get(0).request();
    assertThat(first.verb()).isEqualTo("POST");
    assertThat(first.path()).isEqualTo("configuration/config/a/x");
    assertThat(first.headers().get("content-type")).isEqualTo("application/json");
    String body =
        "{\"id\":\"sub-1\",\"items\":{\"a/x\":{\"value\":\"1\",\"version\":\"v1\"},"
            + "\"b key\":{\"value\":\"2\",\"version\":\"v2\"}}}";
    assertThat(app.calls.get(0).body()).isEqualTo(body);
    assertThat(first.headers().get("content-length"))
        .isEqualTo(Integer.toString(body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length));

    // the next call waits for the app's answer to this one, which may be a failure
    app.answer(0, 500);
    await().atMost(Duration.ofSeconds(5)).until(() -> app.calls.size() == 2);
    assertThat(app.calls.get(1).request().path()).isEqualTo("configuration/config/b%20key");
    assertThat(app.calls.get(1).body()).isEqualTo(body);
    app.calls.get(1).answer().fail(new java.io.IOException("app at 127.0.0.1:1 is unreachable"));
    await().atMost(Duration.ofSeconds(5)).until(() -> app.calls.size() == 3);
    assertThat(app.calls.get(2).request().path()).isEqualTo("configuration/config/c");
    assertThat(app.calls.get(2).body())
        .isEqualTo("{\"id\":\"sub-1\",\"items\":{\"c\":{\"value\":\"3\"}}}");
    app.answer(2, 200);
  }

  @Test
  void aKeyThatCannotBeAPathIsSkipped() {
    RecordingApp app = new RecordingApp();
    AppPush push = new AppPush(app, vertx, "config");
    push.update("sub-1", Map.of("what?", item("1", "")));
    push.update("sub-1", Map.of("fine", item("2", "")));
    await().atMost(Duration.ofSeconds(5)).until(() -> app.calls.size() == 1);
    assertThat(app.calls.get(0).request().path()).isEqualTo("configuration/config/fine");
  }

  @Test
  void anAppThatNeverAnswersDoesNotHoldTheNextUpdate() {
    RecordingApp app = new RecordingApp();
    AppPush push = new AppPush(app, vertx, "config", Duration.ofMillis(200));
    push.update("sub-1", Map.of("first", item("1", "")));
    push.update("sub-1", Map.of("second", item("2", "")));
    await().atMost(Duration.ofSeconds(5)).until(() -> app.calls.size() == 2);
    assertThat(app.calls.get(1).request().path()).isEqualTo("configuration/config/second");
  }
}
