package io.tandem.sidecar;

import com.fasterxml.jackson.databind.JsonNode;
import io.dapr.v1.DaprMetadataProtos.AppConnectionProperties;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.tandem.components.ComponentContext;
import io.tandem.crds.Configuration;
import io.tandem.crds.ResourceLoadException;
import io.tandem.crds.ResourceLoader;
import io.tandem.crds.Resources;
import io.tandem.sidecar.api.ApiToken;
import io.tandem.sidecar.appchannel.AppChannel;
import io.tandem.sidecar.appchannel.AppChannels;
import io.tandem.sidecar.appchannel.AppHealthChecker;
import io.tandem.sidecar.bindings.BindingsService;
import io.tandem.sidecar.configuration.ConfigurationService;
import io.tandem.sidecar.grpc.EdgeInterceptor;
import io.tandem.sidecar.grpc.GrpcApi;
import io.tandem.sidecar.http.HttpApi;
import io.tandem.sidecar.invoke.Invocation;
import io.tandem.sidecar.lock.LockService;
import io.tandem.sidecar.metadata.MetadataService;
import io.tandem.sidecar.metrics.SidecarMetrics;
import io.tandem.sidecar.pubsub.PubSubService;
import io.tandem.sidecar.pubsub.PubSubSubscriber;
import io.tandem.sidecar.pubsub.PubSubs;
import io.tandem.sidecar.registry.ComponentLoadException;
import io.tandem.sidecar.registry.ComponentRegistry;
import io.tandem.sidecar.secrets.SecretsService;
import io.tandem.sidecar.state.StateService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running sidecar: loads resources and components, then serves the HTTP API, the gRPC API and
 * metrics. Everything here is wiring; the rules live in the building-block services.
 */
public final class Sidecar implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger("tandem.sidecar");
  private static final Duration GRACE = Duration.ofSeconds(5);

  private final SidecarConfig config;
  private final Vertx vertx;
  private final ExecutorService blocking;
  private final ExecutorService grpcExecutor;
  private final ComponentRegistry registry;
  private final SidecarMetrics metrics;

  /** Components loaded and APIs listening: the app may call its sidecar. */
  private final AtomicBoolean ready = new AtomicBoolean();

  /** The app is listening and deliveries have started (always true without an app). */
  private final AtomicBoolean appReady = new AtomicBoolean();

  private final AppChannel appChannel;
  private final AppHealthChecker appHealth;

  /** Started once the app listens; the sidecar is ready when all of them have completed. */
  private final List<Supplier<CompletionStage<?>>> appReadyHooks = new CopyOnWriteArrayList<>();

  private final List<AutoCloseable> stopHooks = new CopyOnWriteArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final CompletableFuture<Void> terminated = new CompletableFuture<>();
  private final List<HttpServer> httpServers = new ArrayList<>();
  private HttpServer metricsServer;
  private Server grpcServer;
  private Invocation invocation;
  private int httpPort;
  private int metricsPort;

  private Sidecar(SidecarConfig config) {
    this.config = config;
    this.vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(false));
    this.blocking = Executors.newFixedThreadPool(16, named("tandem-blocking"));
    this.grpcExecutor =
        Executors.newFixedThreadPool(
            Math.max(4, Runtime.getRuntime().availableProcessors() * 2), named("tandem-grpc"));
    this.metrics =
        config.enableMetrics()
            ? SidecarMetrics.prometheus(config.appId(), config.namespace())
            : SidecarMetrics.inMemory(config.appId());
    this.appChannel = AppChannels.create(vertx, config.app(), config.maxBodySize());
    this.appHealth = new AppHealthChecker(vertx, appChannel, config.app());
    this.registry =
        new ComponentRegistry(
            ComponentContext.of(config.appId(), config.namespace(), blocking, System.getenv())
                .sharing(vertx));
  }

  /**
   * Starts a sidecar and returns once every listener is bound. Fails, with nothing left running,
   * when a resource file or a component cannot be loaded.
   */
  public static Sidecar start(SidecarConfig config)
      throws ResourceLoadException, ComponentLoadException, IOException {
    if (config.mode().equals("kubernetes")) {
      throw new IllegalArgumentException(
          "--mode kubernetes needs the Tandem operator to stream resources, which this build"
              + " does not include yet; use --mode standalone with --resources-path");
    }
    Sidecar s = new Sidecar(config);
    try {
      s.startAll();
      return s;
    } catch (ResourceLoadException | ComponentLoadException | IOException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  private void startAll() throws ResourceLoadException, ComponentLoadException, IOException {
    long t0 = System.nanoTime();
    log.info("starting Tandem sidecar {}: {}", version(), config.describe());
    ResourceLoader loader = new ResourceLoader();
    List<String> features = new ArrayList<>();
    if (config.configFile() != null) {
      Configuration c = loader.loadConfiguration(config.configFile());
      for (JsonNode f :
          c.spec() == null ? List.<JsonNode>of() : iterable(c.spec().path("features"))) {
        if (f.path("enabled").asBoolean(false)) {
          features.add(f.path("name").asText());
        }
      }
      log.info("configuration {} loaded from {}", c.name(), config.configFile());
    }
    Resources resources = loader.loadPaths(config.resourcesPaths());
    registry.loadAll(resources.components());
    registry.all().forEach(c -> metrics.componentLoaded());
    registry.skipped().forEach(name -> metrics.componentInitFailed(name, "init"));
    registry
        .all()
        .forEach(c -> metrics.componentHealth(c.name(), c.type(), () -> c.trouble().isEmpty()));

    StateService state = new StateService(registry, config.appId(), config.namespace(), metrics);
    SecretsService secrets = new SecretsService(registry);
    MetadataService metadata =
        new MetadataService(
            config.appId(),
            version(),
            registry,
            AppConnectionProperties.newBuilder()
                .setPort(config.app().port())
                .setProtocol(config.app().protocol())
                .setChannelAddress(config.app().address())
                .setMaxConcurrency(Math.max(0, config.app().maxConcurrency()))
                .build(),
            features);
    ApiToken token = new ApiToken(config.apiToken());
    Runnable shutdown = this::shutdownFromApi;
    // service invocation: internal port, name registry entry, proxy mode; stopped first on close
    invocation = Invocation.start(config, vertx, appChannel, metrics);
    stopHooks.add(invocation);
    // bindings: output calls on both APIs; input bindings read into the app once it listens
    BindingsService bindings =
        new BindingsService(registry, appChannel, !config.app().isGrpc(), metrics);
    if (config.app().hasApp()) {
      appReadyHooks.add(
          () -> {
            bindings.start();
            return CompletableFuture.completedFuture(null);
          });
      appHealth.addListener(bindings);
    }
    stopHooks.add(bindings::stop);

    // pub/sub: publishing on both APIs; subscriptions deliver once the app listens, held while it
    // is unhealthy; streaming subscriptions need no app
    PubSubs pubsubs = new PubSubs(registry, config.appId());
    PubSubService pubsub = new PubSubService(pubsubs, config.appId(), metrics, Clock.systemUTC());
    PubSubSubscriber subscriber =
        new PubSubSubscriber(
            pubsubs,
            pubsub,
            appChannel,
            config.app(),
            PubSubSubscriber.declarative(resources, config.appId()),
            metrics,
            Clock.systemUTC());
    metadata.withSubscriptions(subscriber::subscriptions);
    appReadyHooks.add(subscriber::start);
    appHealth.addListener(subscriber);
    stopHooks.add(subscriber);

    // configuration: reads on both APIs; subscriptions stream over gRPC, or are pushed to the app
    // when made over HTTP; every watch is closed on shutdown
    ConfigurationService configuration =
        new ConfigurationService(
            registry, metrics, config.app().hasApp() ? appChannel : null, vertx);
    stopHooks.add(configuration);
    LockService lock;
    try {
      lock = new LockService(registry, config.appId());
    } catch (IllegalArgumentException e) {
      throw new ComponentLoadException(e.getMessage(), e);
    }

    startGrpc(
        new GrpcApi(state, secrets, metadata, shutdown)
            .withBindings(bindings)
            .withPubSub(pubsub, subscriber)
            .withConfiguration(configuration)
            .withLock(lock),
        token);
    HttpApi http =
        new HttpApi(
            state,
            secrets,
            metadata,
            metrics,
            token,
            config.maxBodySize(),
            () -> ready.get() && appReady.get(),
            ready::get,
            shutdown);
    http.withInvocation(invocation.http());
    http.withBindings(bindings);
    http.withPubSub(pubsub);
    http.withConfiguration(configuration);
    http.withLock(lock);
    http.withComponentTroubles(registry::troubles);
    startHttp(http.router(vertx));
    if (config.enableMetrics()) {
      startMetrics();
    }
    ready.set(true);
    log.info(
        "Tandem sidecar ready in {} ms: HTTP API on {}, gRPC API on {}, metrics {}",
        (System.nanoTime() - t0) / 1_000_000,
        httpPort,
        grpcPort(),
        config.enableMetrics() ? "on " + metricsPort : "off");
    awaitApp();
  }

  /**
   * Waits, without blocking, for the app to listen on its port; then starts the deliveries into it
   * (subscriptions, input bindings) and the health probes. The APIs already answer meanwhile, so an
   * app can call its sidecar while it starts.
   */
  private void awaitApp() {
    if (!config.app().hasApp()) {
      appReady();
      return;
    }
    long start = System.nanoTime();
    AtomicBoolean checking = new AtomicBoolean();
    long[] lastLog = {start};
    vertx.setPeriodic(
        100,
        id -> {
          if (closed.get()) {
            vertx.cancelTimer(id);
            return;
          }
          if (!checking.compareAndSet(false, true)) {
            return;
          }
          appChannel
              .isListening()
              .onComplete(
                  ar -> {
                    checking.set(false);
                    if (ar.succeeded() && ar.result()) {
                      if (vertx.cancelTimer(id)) {
                        log.info(
                            "app is listening on {}:{} ({})",
                            config.app().address(),
                            config.app().port(),
                            config.app().protocol());
                        appReady();
                      }
                    } else if (System.nanoTime() - lastLog[0] > 5_000_000_000L) {
                      lastLog[0] = System.nanoTime();
                      log.info(
                          "waiting for the app on {}:{} ({} s)",
                          config.app().address(),
                          config.app().port(),
                          (System.nanoTime() - start) / 1_000_000_000L);
                    }
                  });
        });
  }

  private void appReady() {
    List<CompletableFuture<?>> started = new ArrayList<>();
    for (Supplier<CompletionStage<?>> hook : appReadyHooks) {
      try {
        started.add(hook.get().toCompletableFuture());
      } catch (RuntimeException e) {
        log.error("starting deliveries to the app failed: {}", e.getMessage(), e);
      }
    }
    // Ready only once subscriptions are in place, so that what is published after /v1.0/healthz
    // answers 204 is delivered.
    CompletableFuture.allOf(started.toArray(CompletableFuture[]::new))
        .whenComplete(
            (v, err) -> {
              if (err != null) {
                log.error("starting deliveries to the app failed: {}", err.getMessage());
              }
              if (config.app().hasApp() && config.app().healthCheck()) {
                appHealth.start();
              }
              appReady.set(true);
            });
  }

  /** The way into this sidecar's app. */
  public AppChannel appChannel() {
    return appChannel;
  }

  private void startGrpc(GrpcApi api, ApiToken token) throws IOException {
    api.withInvocation(invocation.grpc());
    NettyServerBuilder b = null;
    for (String address : config.listenAddresses()) {
      InetSocketAddress sa = new InetSocketAddress(address, config.grpcPort());
      b = b == null ? NettyServerBuilder.forAddress(sa) : b.addListenAddress(sa);
    }
    grpcServer =
        b.maxInboundMessageSize((int) Math.min(Integer.MAX_VALUE, config.maxBodySize()))
            .executor(grpcExecutor)
            .addService(
                ServerInterceptors.intercept(
                    api,
                    invocation.grpc().metadataInterceptor(),
                    new EdgeInterceptor(token, metrics)))
            .fallbackHandlerRegistry(invocation.grpcProxy(new EdgeInterceptor(token, metrics)))
            .build()
            .start();
  }

  private void startHttp(Router router) {
    int instances = Math.max(1, Runtime.getRuntime().availableProcessors());
    int port = config.httpPort();
    for (String address : config.listenAddresses()) {
      for (int i = 0; i < instances; i++) {
        HttpServer server =
            vertx.createHttpServer(new HttpServerOptions().setHost(address).setPort(port));
        server.requestHandler(router);
        await(server.listen(), "HTTP API on " + address + ":" + port);
        httpServers.add(server);
        // a port of 0 is resolved by the first bind; the rest share it
        port = server.actualPort();
      }
    }
    httpPort = port;
  }

  private void startMetrics() {
    String address = config.listenAddresses().get(0);
    metricsServer =
        vertx.createHttpServer(
            new HttpServerOptions().setHost(address).setPort(config.metricsPort()));
    metricsServer.requestHandler(
        req -> {
          if (req.path().equals("/metrics") || req.path().equals("/")) {
            req.response()
                .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
                .end(metrics.scrape());
          } else {
            req.response().setStatusCode(404).end();
          }
        });
    await(metricsServer.listen(), "metrics on " + address + ":" + config.metricsPort());
    metricsPort = metricsServer.actualPort();
  }

  private static <T> T await(Future<T> f, String what) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable c = e.getCause() == null ? e : e.getCause();
      throw new IllegalStateException("cannot start " + what + ": " + c.getMessage(), c);
    }
  }

  /** Called from a transport thread (possibly an event loop): stop on a thread of our own. */
  private void shutdownFromApi() {
    log.info("shutdown requested through the API");
    Thread t = new Thread(this::close, "tandem-shutdown");
    t.setDaemon(false);
    t.start();
  }

  public int httpPort() {
    return httpPort;
  }

  public int grpcPort() {
    return grpcServer == null ? 0 : grpcServer.getPort();
  }

  public int metricsPort() {
    return metricsPort;
  }

  /** The sidecar-to-sidecar port. */
  public int internalGrpcPort() {
    return invocation == null ? 0 : invocation.internalPort();
  }

  /** Completes when the sidecar has stopped, whoever stopped it. */
  public CompletableFuture<Void> terminated() {
    return terminated;
  }

  /** Stops accepting, lets in-flight calls finish for a grace period, then closes components. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      terminated.join();
      return;
    }
    ready.set(false);
    appReady.set(false);
    log.info("stopping Tandem sidecar {}", config.appId());
    appHealth.close();
    List<AutoCloseable> stops = new ArrayList<>(stopHooks);
    java.util.Collections.reverse(stops);
    for (AutoCloseable c : stops) {
      try {
        c.close();
      } catch (Exception e) {
        log.warn("stopping a building block failed: {}", e.getMessage());
      }
    }
    try {
      if (grpcServer != null) {
        grpcServer.shutdown();
      }
      for (HttpServer s : httpServers) {
        await(s.close(), "closing HTTP server");
      }
      if (metricsServer != null) {
        await(metricsServer.close(), "closing metrics server");
      }
      if (grpcServer != null
          && !grpcServer.awaitTermination(GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        grpcServer.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      log.warn("error while stopping listeners: {}", e.getMessage());
    } finally {
      registry.close();
      appChannel.close();
      grpcExecutor.shutdown();
      blocking.shutdown();
      vertx.close();
      log.info("Tandem sidecar {} stopped", config.appId());
      terminated.complete(null);
    }
  }

  static String version() {
    String v = Sidecar.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  private static Iterable<JsonNode> iterable(JsonNode n) {
    return n.isArray() ? n : List.of();
  }

  private static ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
