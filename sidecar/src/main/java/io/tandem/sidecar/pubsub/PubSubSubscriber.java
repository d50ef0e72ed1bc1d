package io.tandem.sidecar.pubsub;

import io.dapr.v1.DaprMetadataProtos.PubsubSubscription;
import io.dapr.v1.DaprPubsubProtos.SubscribeTopicEventsRequestAlpha1;
import io.dapr.v1.DaprPubsubProtos.SubscribeTopicEventsRequestInitialAlpha1;
import io.dapr.v1.DaprPubsubProtos.SubscribeTopicEventsResponseAlpha1;
import io.grpc.stub.StreamObserver;
import io.tandem.components.pubsub.SubscribeRequest;
import io.tandem.components.pubsub.TopicSubscription;
import io.tandem.crds.ResourceLoadException;
import io.tandem.crds.Resources;
import io.tandem.crds.Sourced;
import io.tandem.crds.Subscription;
import io.tandem.crds.Subscriptions;
import io.tandem.sidecar.AppChannelConfig;
import io.tandem.sidecar.api.ApiError;
import io.tandem.sidecar.appchannel.AppChannel;
import io.tandem.sidecar.appchannel.AppHealthListener;
import io.tandem.sidecar.appchannel.AppSubscription;
import io.tandem.sidecar.appchannel.BulkTopicEvent;
import io.tandem.sidecar.appchannel.TopicEvent;
import io.tandem.sidecar.appchannel.TopicEventResult;
import io.tandem.sidecar.metrics.SidecarMetrics;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The subscribing half of the pub/sub building block: runs the app's subscriptions (declarative
 * ones from the resources path and programmatic ones the app declares) once the app is ready, holds
 * their deliveries while the app is unhealthy, and serves streaming subscriptions.
 *
 * <p>A programmatic subscription replaces a declarative one for the same pub/sub and topic, as in
 * Dapr. A subscription to a pub/sub that is not loaded, or to a topic outside the app's {@code
 * subscriptionScopes}, is skipped with a warning.
 */
public final class PubSubSubscriber implements AppHealthListener, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger("tandem.sidecar.pubsub");

  private final PubSubs pubsubs;
  private final PubSubService publisher;
  private final AppChannel channel;
  private final AppChannelConfig app;
  private final List<SubscriptionDef> declarative;
  private final SidecarMetrics metrics;
  private final Clock clock;
  private final DeliveryGate gate = new DeliveryGate();
  private final AtomicBoolean started = new AtomicBoolean();
  private final List<TopicSubscription> running = new CopyOnWriteArrayList<>();
  private final List<Streaming> streams = new CopyOnWriteArrayList<>();
  private volatile List<SubscriptionDef> appSubscriptions;
  private volatile boolean closed;

  private record Streaming(SubscriptionDef def, SubscriptionStream stream) {}

  /**
   * @param app how the app is reached; without an app ({@code --app-port}) only streaming
   *     subscriptions receive events
   * @param declarative the declarative subscriptions in scope for this app (see {@link
   *     #declarative})
   */
  public PubSubSubscriber(
      PubSubs pubsubs,
      PubSubService publisher,
      AppChannel channel,
      AppChannelConfig app,
      List<SubscriptionDef> declarative,
      SidecarMetrics metrics,
      Clock clock) {
    this.pubsubs = pubsubs;
    this.publisher = publisher;
    this.channel = channel;
    this.app = app;
    this.declarative = List.copyOf(declarative);
    this.metrics = metrics;
    this.clock = clock;
    this.appSubscriptions = this.declarative;
  }

  /**
   * The Subscription resources among {@code resources} whose scopes include {@code appId}, with
   * their routing rules compiled.
   *
   * @throws ResourceLoadException naming the file of a Subscription whose rule does not compile
   */
  public static List<SubscriptionDef> declarative(Resources resources, String appId)
      throws ResourceLoadException {
    List<SubscriptionDef> out = new ArrayList<>();
    for (Sourced<Subscription> s : Subscriptions.from(resources)) {
      if (!s.resource().isInScope(appId)) {
        log.info("subscription {} is not scoped to app {}: skipped", s.resource().name(), appId);
        continue;
      }
      SubscriptionDef def;
      try {
        def = SubscriptionDef.declarative(s.resource());
        def.rawPayload();
      } catch (IllegalArgumentException e) {
        throw new ResourceLoadException(
            s.source(), "Subscription " + s.resource().name() + ": " + e.getMessage(), e);
      }
      log.info("found subscription {} to {}/{}", def.name(), def.pubsubName(), def.topic());
      out.add(def);
    }
    return List.copyOf(out);
  }

  /**
   * Reads the app's programmatic subscriptions and starts delivering every subscription. Called
   * once the app listens; later calls do nothing. Never fails: problems are logged.
   */
  public CompletionStage<Void> start() {
    if (closed || !started.compareAndSet(false, true)) {
      return CompletableFuture.completedFuture(null);
    }
    if (!app.hasApp()) {
      if (!declarative.isEmpty()) {
        log.warn(
            "no app channel (--app-port is not set): {} declarative subscription(s) will not"
                + " deliver",
            declarative.size());
      }
      return CompletableFuture.completedFuture(null);
    }
    return channel
        .subscriptions()
        .toCompletionStage()
        .handle(
            (subs, err) -> {
              if (err != null) {
                log.error("cannot read the app's subscriptions: {}", err.getMessage());
              }
              List<SubscriptionDef> all = merge(subs == null ? List.of() : subs);
              if (!closed) {
                all.forEach(this::subscribe);
              }
              // listed once running, so that the metadata API shows the app subscribed
              appSubscriptions = all;
              return null;
            });
  }

  /** Stops the app's subscriptions (streaming ones keep going). */
  public void stop() {
    for (TopicSubscription s : running) {
      try {
        s.close();
      } catch (RuntimeException e) {
        log.warn("closing a subscription: {}", e.getMessage());
      }
    }
    running.clear();
  }

  /** Stops everything, streams included. */
  @Override
  public void close() {
    closed = true;
    stop();
    streams.forEach(s -> s.stream().shutdown());
    streams.clear();
  }

  @Override
  public void appHealthy() {
    if (!gate.isOpen()) {
      log.info("the app is healthy: resuming deliveries");
    }
    gate.open();
  }

  @Override
  public void appUnhealthy() {
    if (gate.isOpen()) {
      log.warn("the app is unhealthy: holding deliveries until it recovers");
    }
    gate.close();
  }

  /** Every subscription, as the metadata API lists them. */
  public List<PubsubSubscription> subscriptions() {
    List<PubsubSubscription> out = new ArrayList<>();
    appSubscriptions.forEach(d -> out.add(d.toProto()));
    streams.forEach(s -> out.add(s.def().toProto()));
    return out;
  }

  /**
   * Serves one {@code SubscribeTopicEventsAlpha1} call.
   *
   * @param errors renders a refused subscription as the status the stream ends with
   */
  public StreamObserver<SubscribeTopicEventsRequestAlpha1> openStream(
      StreamObserver<SubscribeTopicEventsResponseAlpha1> out,
      Function<Throwable, ? extends Throwable> errors) {
    return new SubscriptionStream(out, this::openStreaming, errors);
  }

  private AutoCloseable openStreaming(
      SubscribeTopicEventsRequestInitialAlpha1 initial, SubscriptionStream stream) {
    if (closed) {
      throw ApiError.HEALTH_NOT_READY.exception("the sidecar is shutting down");
    }
    SubscriptionDef def =
        SubscriptionDef.streaming(
            initial.getPubsubName(),
            initial.getTopic(),
            initial.getMetadataMap(),
            initial.hasDeadLetterTopic() ? initial.getDeadLetterTopic() : "");
    PubSubs.Target t =
        pubsubs
            .get(def.pubsubName())
            .orElseThrow(
                () ->
                    ApiError.PUBSUB_NOT_FOUND.exception(
                        "pubsub " + def.pubsubName() + " is not found"));
    if (!t.scopes().canSubscribe(def.topic())) {
      throw ApiError.PUBSUB_FORBIDDEN.exception(
          "subscription to topic '"
              + def.topic()
              + "' on pubsub '"
              + def.pubsubName()
              + "' is not allowed");
    }
    try {
      def.rawPayload();
    } catch (IllegalArgumentException e) {
      throw ApiError.PUBSUB_REQUEST_METADATA.exception(
          "failed deserializing metadata. Error: " + e.getMessage());
    }
    SubscriptionHandler handler =
        new SubscriptionHandler(def, stream, publisher, metrics, new DeliveryGate(), clock);
    TopicSubscription ts =
        t.pubsub().subscribe(new SubscribeRequest(def.topic(), def.metadata()), handler);
    Streaming s = new Streaming(def, stream);
    streams.add(s);
    return () -> {
      streams.remove(s);
      ts.close();
    };
  }

  // ---- app subscriptions

  private List<SubscriptionDef> merge(List<AppSubscription> programmatic) {
    Map<String, SubscriptionDef> byKey = new LinkedHashMap<>();
    declarative.forEach(d -> byKey.put(d.key(), d));
    for (AppSubscription s : programmatic) {
      if (s.pubsubName() == null
          || s.pubsubName().isEmpty()
          || s.topic() == null
          || s.topic().isEmpty()) {
        log.warn("the app declared a subscription without pubsubname or topic: skipped");
        continue;
      }
      SubscriptionDef def;
      try {
        def = SubscriptionDef.programmatic(s);
      } catch (IllegalArgumentException e) {
        log.error("subscription to {}/{} skipped: {}", s.pubsubName(), s.topic(), e.getMessage());
        continue;
      }
      if (def.routes().isEmpty()) {
        if (!app.isGrpc()) {
          log.warn("topic {} has an empty routes. removing from subscriptions list", s.topic());
          continue;
        }
        // a gRPC app without routes gets every event, with an empty path, as in Dapr
        def = def.withRoutes(RoutingRules.single(""));
      }
      byKey.put(def.key(), def);
    }
    return List.copyOf(byKey.values());
  }

  private void subscribe(SubscriptionDef def) {
    PubSubs.Target t = pubsubs.get(def.pubsubName()).orElse(null);
    if (t == null) {
      log.warn(
          "pubsub {} is not loaded: subscription to topic {} is skipped",
          def.pubsubName(),
          def.topic());
      return;
    }
    if (!t.scopes().canSubscribe(def.topic())) {
      log.warn(
          "subscription to topic '{}' on pubsub '{}' is not allowed",
          def.topic(),
          def.pubsubName());
      return;
    }
    try {
      SubscriptionHandler handler =
          new SubscriptionHandler(def, new AppSink(channel), publisher, metrics, gate, clock);
      SubscribeRequest req = new SubscribeRequest(def.topic(), def.metadata());
      TopicSubscription ts =
          def.bulk() != null
              ? t.pubsub().bulkSubscribe(req, def.bulk(), handler)
              : t.pubsub().subscribe(req, handler);
      running.add(ts);
      log.info(
          "subscribed to topic {} on pubsub {} ({}{})",
          def.topic(),
          def.pubsubName(),
          def.type().name().toLowerCase(java.util.Locale.ROOT),
          def.bulk() != null ? ", bulk" : "");
    } catch (RuntimeException e) {
      log.error(
          "cannot subscribe to topic {} on pubsub {}: {}",
          def.topic(),
          def.pubsubName(),
          e.getMessage());
    }
  }

  /** Deliveries through the app channel. */
  private record AppSink(AppChannel channel) implements EventSink {
    @Override
    public CompletionStage<TopicEventResult> deliver(TopicEvent event) {
      return channel.deliver(event).toCompletionStage();
    }

    @Override
    public CompletionStage<Map<String, TopicEventResult>> deliverBulk(BulkTopicEvent event) {
      return channel.deliverBulk(event).toCompletionStage();
    }
  }
}
