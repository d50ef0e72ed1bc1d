package io.tandem.sidecar.pubsub;

import io.tandem.sidecar.appchannel.AppChannel;
import io.tandem.sidecar.appchannel.AppRequest;
import io.tandem.sidecar.appchannel.AppResponse;
import io.tandem.sidecar.appchannel.AppSubscription;
import io.tandem.sidecar.appchannel.BindingEventResult;
import io.tandem.sidecar.appchannel.BulkTopicEvent;
import io.tandem.sidecar.appchannel.TopicEvent;
import io.tandem.sidecar.appchannel.TopicEventResult;
import io.vertx.core.Future;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** An app that declares the given subscriptions and answers SUCCESS to every event. */
final class FakeAppChannel implements AppChannel {
  final List<AppSubscription> declared;
  final List<TopicEvent> delivered = new CopyOnWriteArrayList<>();
  final AtomicInteger subscriptionCalls = new AtomicInteger();

  FakeAppChannel(List<AppSubscription> declared) {
    this.declared = declared;
  }

  @Override
  public Future<AppResponse> invoke(AppRequest request) {
    return Future.failedFuture("not in this test");
  }

  @Override
  public Future<List<AppSubscription>> subscriptions() {
    subscriptionCalls.incrementAndGet();
    return Future.succeededFuture(declared);
  }

  @Override
  public Future<TopicEventResult> deliver(TopicEvent event) {
    delivered.add(event);
    return Future.succeededFuture(TopicEventResult.SUCCESS);
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
