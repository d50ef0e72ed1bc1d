package io.tandem.sidecar.appchannel;

import io.vertx.core.Future;
import java.util.List;
import java.util.Map;

/**
 * The sidecar's way into its app, over HTTP or gRPC per {@code --app-protocol}. Every call carries
 * {@code APP_API_TOKEN} (as {@code dapr-api-token}) when it is set, and at most {@code
 * --app-max-concurrency} calls are in flight at once. Futures complete on the caller's Vert.x
 * context when there is one.
 *
 * <p>Building blocks use only this interface; the HTTP and gRPC channels translate to Dapr's app
 * callback contracts ({@code /dapr/subscribe}, {@code OPTIONS /binding}, {@code AppCallback}...).
 */
public interface AppChannel extends AutoCloseable {

  /**
   * Service invocation into the app. Fails with a descriptive message when the app can't be
   * reached.
   */
  Future<AppResponse> invoke(AppRequest request);

  /** The app's programmatic subscriptions; empty when it declares none. */
  Future<List<AppSubscription>> subscriptions();

  /** Delivers one message; the app's answer decides ack, retry or drop. */
  Future<TopicEventResult> deliver(TopicEvent event);

  /**
   * Delivers several messages at once (bulk subscribe); answers per entry id. An entry the app did
   * not answer counts as RETRY.
   */
  Future<Map<String, TopicEventResult>> deliverBulk(BulkTopicEvent event);

  /** Whether the app listens on the input binding {@code name}. */
  Future<Boolean> acceptsBinding(String name);

  /** Delivers one input binding event to the app. */
  Future<BindingEventResult> deliverBinding(String name, byte[] data, Map<String, String> metadata);

  /** One health probe of the app (HTTP health path or gRPC {@code AppCallbackHealthCheck}). */
  Future<Boolean> probeHealth();

  /** Whether the app's port accepts connections (used to wait for the app at start-up). */
  Future<Boolean> isListening();

  @Override
  void close();
}
