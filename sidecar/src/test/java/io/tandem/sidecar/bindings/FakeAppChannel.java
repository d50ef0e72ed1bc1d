package io.tandem.sidecar.bindings;

import io.tandem.sidecar.appchannel.AppChannel;
import io.tandem.sidecar.appchannel.AppRequest;
import io.tandem.sidecar.appchannel.AppResponse;
import io.tandem.sidecar.appchannel.AppSubscription;
import io.tandem.sidecar.appchannel.BindingEventResult;
import io.tandem.sidecar.appchannel.BulkTopicEvent;
import io.tandem.sidecar.appchannel.TopicEvent;
import io.tandem.sidecar.appchannel.TopicEventResult;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** An app that listens on the given binding routes and answers deliveries as told. */
final class FakeAppChannel implements AppChannel {
  record Delivery(String target, String data, Map<String, String> metadata) {}

  final Set<String> listensOn = ConcurrentHashMap.newKeySet();
  final List<String> probed = new CopyOnWriteArrayList<>();
  final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
  volatile boolean probeFails;
  volatile BindingEventResult answer =
      new BindingEventResult(true, "done".getBytes(StandardCharsets.UTF_8), null);

  @Override
  public Future<Boolean> acceptsBinding(String name) {
    probed.add(name);
    if (probeFails) {
      return Future.failedFuture(new java.io.IOException("app is unreachable"));
    }
    return Future.succeededFuture(listensOn.contains(name));
  }

  @Override
  public Future<BindingEventResult> deliverBinding(
      String name, byte[] data, Map<String, String> metadata) {
    deliveries.add(new Delivery(name, new String(data, StandardCharsets.UTF_8), metadata));
    return Future.succeededFuture(answer);
  }

  @Override
  public Future<AppResponse> invoke(AppRequest request) {
    return Future.failedFuture(new UnsupportedOperationException());
  }

  @Override
  public Future<List<AppSubscription>> subscriptions() {
    return Future.failedFuture(new UnsupportedOperationException());
  }

  @Override
  public Future<TopicEventResult> deliver(TopicEvent event) {
    return Future.failedFuture(new UnsupportedOperationException());
  }

  @Override
  public Future<Map<String, TopicEventResult>> deliverBulk(BulkTopicEvent event) {
    return Future.failedFuture(new UnsupportedOperationException());
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
