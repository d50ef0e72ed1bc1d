package io.tandem.sidecar.appchannel;

import io.vertx.core.Future;
import java.util.List;
import java.util.Map;

/** The channel of a sidecar started without {@code --app-port}: there is nobody to call. */
public final class NoAppChannel implements AppChannel {
  static final String NOT_INITIALIZED = "app channel is not initialized";

  @Override
  public Future<AppResponse> invoke(AppRequest request) {
    return Future.failedFuture(new java.io.IOException(NOT_INITIALIZED));
  }

  @Override
  public Future<List<AppSubscription>> subscriptions() {
    return Future.succeededFuture(List.of());
  }

  @Override
  public Future<TopicEventResult> deliver(TopicEvent event) {
    return Future.succeededFuture(TopicEventResult.RETRY);
  }

  @Override
  public Future<Map<String, TopicEventResult>> deliverBulk(BulkTopicEvent event) {
    return Future.failedFuture(new java.io.IOException(NOT_INITIALIZED));
  }

  @Override
  public Future<Boolean> acceptsBinding(String name) {
    return Future.succeededFuture(false);
  }

  @Override
  public Future<BindingEventResult> deliverBinding(
      String name, byte[] data, Map<String, String> md) {
    return Future.failedFuture(new java.io.IOException(NOT_INITIALIZED));
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
