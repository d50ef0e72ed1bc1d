package io.tandem.sidecar.configuration;

import io.dapr.v1.CommonProtos;
import io.dapr.v1.DaprConfigurationProtos.GetConfigurationRequest;
import io.dapr.v1.DaprConfigurationProtos.GetConfigurationResponse;
import io.dapr.v1.DaprConfigurationProtos.SubscribeConfigurationRequest;
import io.tandem.components.Completions;
import io.tandem.components.configuration.ConfigurationItem;
import io.tandem.components.configuration.ConfigurationStore;
import io.tandem.components.configuration.ConfigurationWatch;
import io.tandem.sidecar.api.ApiError;
import io.tandem.sidecar.api.ApiException;
import io.tandem.sidecar.appchannel.AppChannel;
import io.tandem.sidecar.metrics.SidecarMetrics;
import io.tandem.sidecar.registry.ComponentRegistry;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configuration building block, shared by the HTTP and gRPC transports: finds the store, reads
 * it, and keeps the subscriptions of this sidecar by id, whichever transport opened them, so that
 * an unsubscribe, a cancelled stream or the sidecar's shutdown closes the store's watch.
 */
public final class ConfigurationService implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger("tandem.sidecar.configuration");

  private final ComponentRegistry registry;
  private final SidecarMetrics metrics;
  private final AppChannel app;
  private final Vertx vertx;
  private final ConcurrentHashMap<String, Subscription> subscriptions = new ConcurrentHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * @param app the channel HTTP subscriptions push their updates through, or null when the sidecar
   *     has no app ({@code --app-port} unset)
   */
  public ConfigurationService(
      ComponentRegistry registry, SidecarMetrics metrics, AppChannel app, Vertx vertx) {
    this.registry = registry;
    this.metrics = metrics;
    this.app = app;
    this.vertx = vertx;
  }

  public CompletionStage<GetConfigurationResponse> get(GetConfigurationRequest req) {
    ConfigurationStore store;
    try {
      store = store(req.getStoreName());
    } catch (ApiException e) {
      return CompletableFuture.failedFuture(e);
    }
    long start = System.nanoTime();
    CompletionStage<Map<String, ConfigurationItem>> stage =
        Completions.call(() -> store.get(req.getKeysList(), req.getMetadataMap()));
    return stage.handle(
        (items, err) -> {
          metrics.configurationOperation(req.getStoreName(), "get", err == null, ms(start));
          if (err != null) {
            throw ApiError.CONFIGURATION_GET.exception(
                "failed to get "
                    + keyList(req.getKeysList())
                    + " from Configuration store "
                    + req.getStoreName()
                    + ": "
                    + Completions.message(err));
          }
          return GetConfigurationResponse.newBuilder()
              .putAllItems(toProto(items == null ? Map.of() : items))
              .build();
        });
  }

  /**
   * Subscribes on behalf of the gRPC caller that streams the updates itself. Throws {@link
   * ApiException} when there is no such store; a failure of the store's watch fails {@link
   * Subscription#started()}.
   */
  public Subscription subscribe(SubscribeConfigurationRequest req, ConfigurationSink sink) {
    ConfigurationStore store = store(req.getStoreName());
    return start(store, req, sink);
  }

  /**
   * Subscribes on behalf of the app, over HTTP: each update is pushed to the app as {@code POST
   * /configuration/<store>/<key>} through the app channel, as Dapr does.
   */
  public Subscription subscribeForApp(SubscribeConfigurationRequest req) {
    ConfigurationStore store = store(req.getStoreName());
    if (app == null) {
      throw ApiError.APP_CHANNEL_NIL.exception(
          "app channel is not initialized. cannot subscribe to configuration updates");
    }
    return start(store, req, new AppPush(app, vertx, req.getStoreName()));
  }

  /**
   * Ends subscription {@code id} of store {@code storeName} (the HTTP API). Throws {@link
   * ApiException}: the store's errors, or ERR_CONFIGURATION_UNSUBSCRIBE when there is no such
   * subscription.
   */
  public void unsubscribe(String storeName, String id) {
    store(storeName);
    Subscription s = subscriptions.get(id);
    if (s == null || !s.storeName().equals(storeName)) {
      metrics.configurationOperation(storeName, "unsubscribe", false, 0);
      throw ApiError.CONFIGURATION_UNSUBSCRIBE.exception(
          "failed to unsubscribe to configuration request " + id + ": subscription does not exist");
    }
    s.close();
  }

  /**
   * Ends subscription {@code id}, whichever store it reads (the gRPC API, which names no store it
   * checks). False when there is no such subscription.
   */
  public boolean unsubscribe(String id) {
    Subscription s = subscriptions.get(id);
    if (s == null) {
      return false;
    }
    s.close();
    return true;
  }

  /** How many subscriptions run, for tests and the metadata of leaks. */
  public int subscriptionCount() {
    return subscriptions.size();
  }

  /** Closes every subscription, their watches with them; gRPC streams end normally. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    Collection<Subscription> all = new ArrayList<>(subscriptions.values());
    all.forEach(Subscription::close);
    if (!all.isEmpty()) {
      log.info("closed {} configuration subscription(s)", all.size());
    }
  }

  private Subscription start(
      ConfigurationStore store, SubscribeConfigurationRequest req, ConfigurationSink sink) {
    if (closed.get()) {
      throw ApiError.CONFIGURATION_SUBSCRIBE.exception(
          "failed to subscribe "
              + keyList(req.getKeysList())
              + " from Configuration store "
              + req.getStoreName()
              + ": the sidecar is shutting down");
    }
    Subscription s = new Subscription(UUID.randomUUID().toString(), req, sink);
    subscriptions.put(s.id(), s);
    long start = System.nanoTime();
    CompletionStage<ConfigurationWatch> watch =
        Completions.call(
            () -> store.subscribe(req.getKeysList(), req.getMetadataMap(), s::onUpdate));
    watch.whenComplete(
        (w, err) -> {
          metrics.configurationOperation(req.getStoreName(), "subscribe", err == null, ms(start));
          if (err != null) {
            s.failed(
                ApiError.CONFIGURATION_SUBSCRIBE.exception(
                    "failed to subscribe "
                        + keyList(req.getKeysList())
                        + " from Configuration store "
                        + req.getStoreName()
                        + ": "
                        + Completions.message(err)));
          } else {
            s.established(w);
          }
        });
    if (closed.get()) {
      s.close(); // the sidecar began to stop while we registered
    }
    return s;
  }

  private ConfigurationStore store(String name) {
    if (registry.count(ConfigurationStore.class) == 0) {
      throw ApiError.CONFIGURATION_STORE_NOT_CONFIGURED.exception(
          "configuration stores not configured");
    }
    return registry
        .configurationStore(name)
        .orElseThrow(
            () ->
                ApiError.CONFIGURATION_STORE_NOT_FOUND.exception(
                    "configuration store " + name + " not found"));
  }

  public static Map<String, CommonProtos.ConfigurationItem> toProto(
      Map<String, ConfigurationItem> items) {
    Map<String, CommonProtos.ConfigurationItem> out = new java.util.TreeMap<>();
    items.forEach(
        (k, v) ->
            out.put(
                k,
                CommonProtos.ConfigurationItem.newBuilder()
                    .setValue(v.value())
                    .setVersion(v.version())
                    .putAllMetadata(v.metadata())
                    .build()));
    return out;
  }

  /** Keys as Dapr prints them in its messages: {@code [a b]}. */
  static String keyList(List<String> keys) {
    return "[" + String.join(" ", keys) + "]";
  }

  private static double ms(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e6;
  }

  /** One running subscription: its id, its store's watch, and where its updates go. */
  public final class Subscription {
    private final String id;
    private final String storeName;
    private final ConfigurationSink sink;
    private final CompletableFuture<String> started = new CompletableFuture<>();
    private final List<Map<String, ConfigurationItem>> early = new ArrayList<>();
    private State state = State.PENDING;
    private ConfigurationWatch watch;

    private Subscription(String id, SubscribeConfigurationRequest req, ConfigurationSink sink) {
      this.id = id;
      this.storeName = req.getStoreName();
      this.sink = sink;
    }

    public String id() {
      return id;
    }

    public String storeName() {
      return storeName;
    }

    /**
     * Completes with the id once the store's watch runs; fails with ERR_CONFIGURATION_SUBSCRIBE
     * when the store refused it, or when the subscription was closed before it started.
     */
    public CompletionStage<String> started() {
      return started;
    }

    /** The store's listener: updates that come before the watch is confirmed wait for it. */
    private void onUpdate(Map<String, ConfigurationItem> items) {
      if (items == null || items.isEmpty()) {
        return;
      }
      synchronized (this) {
        switch (state) {
          case PENDING -> early.add(Map.copyOf(items));
          case RUNNING -> deliver(items);
          case CLOSED -> {}
        }
      }
    }

    private void established(ConfigurationWatch w) {
      synchronized (this) {
        if (state == State.PENDING) {
          watch = w;
          state = State.RUNNING;
          try {
            sink.started(id);
          } catch (RuntimeException e) {
            log.warn("configuration subscription {}: {}", id, e.toString());
          }
          early.forEach(this::deliver);
          early.clear();
          started.complete(id);
          return;
        }
      }
      // closed while the store was setting the watch up
      closeWatch(w);
      started.completeExceptionally(
          ApiError.CONFIGURATION_SUBSCRIBE.exception(
              "failed to subscribe from Configuration store "
                  + storeName
                  + ": the subscription was closed before it started"));
    }

    private void failed(ApiException e) {
      synchronized (this) {
        state = State.CLOSED;
        early.clear();
      }
      subscriptions.remove(id, this);
      log.debug(e.getMessage());
      started.completeExceptionally(e);
    }

    private void deliver(Map<String, ConfigurationItem> items) {
      try {
        sink.update(id, items);
      } catch (RuntimeException e) {
        log.warn(
            "configuration subscription {}: delivering an update failed: {}", id, e.toString());
      }
    }

    /** Ends the subscription and closes the store's watch. Idempotent. */
    public void close() {
      ConfigurationWatch w;
      boolean wasRunning;
      synchronized (this) {
        if (state == State.CLOSED) {
          return;
        }
        wasRunning = state == State.RUNNING;
        state = State.CLOSED;
        w = watch;
        watch = null;
        early.clear();
      }
      subscriptions.remove(id, this);
      if (w != null) {
        long start = System.nanoTime();
        boolean ok = closeWatch(w);
        metrics.configurationOperation(storeName, "unsubscribe", ok, ms(start));
      }
      if (wasRunning) {
        try {
          sink.ended();
        } catch (RuntimeException e) {
          log.debug("configuration subscription {}: ending it: {}", id, e.toString());
        }
      }
      // a subscription closed while pending fails its start when the store answers
    }

    private boolean closeWatch(ConfigurationWatch w) {
      try {
        w.close();
        return true;
      } catch (RuntimeException e) {
        log.warn(
            "configuration subscription {} on {}: closing the store's watch failed: {}",
            id,
            storeName,
            e.toString());
        return false;
      }
    }
  }

  private enum State {
    PENDING,
    RUNNING,
    CLOSED
  }
}
