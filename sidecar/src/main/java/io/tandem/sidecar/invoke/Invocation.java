package io.tandem.sidecar.invoke;

import io.grpc.HandlerRegistry;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.tandem.sidecar.SidecarConfig;
import io.tandem.sidecar.appchannel.AppChannel;
import io.tandem.sidecar.grpc.GrpcErrors;
import io.tandem.sidecar.metrics.SidecarMetrics;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Service invocation, assembled: the internal gRPC server other sidecars call, this sidecar's entry
 * in the name registry, the channels to other sidecars and to the app's gRPC server, and the
 * transports' adapters. The sidecar wires these into its APIs and closes this first on shutdown, so
 * other sidecars stop routing here before the listeners go.
 */
public final class Invocation implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger("tandem.sidecar.invoke");

  private final Server internal;
  private final NameResolver resolver;
  private final SidecarChannels sidecars;
  private final AppGrpcChannel appGrpc;
  private final ServiceInvocation service;
  private final InvocationHttp http;
  private final InvocationGrpc grpc;
  private final GrpcProxy proxy;

  private Invocation(
      Server internal,
      NameResolver resolver,
      SidecarChannels sidecars,
      AppGrpcChannel appGrpc,
      ServiceInvocation service,
      InvocationHttp http,
      InvocationGrpc grpc,
      GrpcProxy proxy) {
    this.internal = internal;
    this.resolver = resolver;
    this.sidecars = sidecars;
    this.appGrpc = appGrpc;
    this.service = service;
    this.http = http;
    this.grpc = grpc;
    this.proxy = proxy;
  }

  /**
   * Binds the internal port on the sidecar's listen addresses and registers this sidecar under its
   * app id. Blocks on the registry file: call at start-up, off the event loop.
   */
  public static Invocation start(
      SidecarConfig config, Vertx vertx, AppChannel app, SidecarMetrics metrics)
      throws IOException {
    return start(config, vertx, app, metrics, ServiceInvocation.DEFAULT_TIMEOUT);
  }

  static Invocation start(
      SidecarConfig config, Vertx vertx, AppChannel app, SidecarMetrics metrics, Duration timeout)
      throws IOException {
    String appId = config.appId();
    String namespace = config.namespace();
    SidecarChannels sidecars = SidecarChannels.netty(config.maxBodySize());
    AppGrpcChannel appGrpc = AppGrpcChannel.of(app, config.app().port(), config.app().protocol());
    NameResolver resolver = null;
    Server internal = null;
    try {
      GrpcProxy proxy =
          new GrpcProxy(
              appId,
              namespace,
              sidecars,
              appGrpc,
              config.app().apiToken(),
              metrics,
              GrpcErrors::toStatus);
      NettyServerBuilder b = null;
      for (String address : config.listenAddresses()) {
        InetSocketAddress sa = new InetSocketAddress(address, config.internalGrpcPort());
        b = b == null ? NettyServerBuilder.forAddress(sa) : b.addListenAddress(sa);
      }
      internal =
          b.directExecutor()
              .maxInboundMessageSize(
                  (int) Math.min(Integer.MAX_VALUE, Math.max(config.maxBodySize(), 4L << 20)))
              .addService(new CalleeService(vertx, appId, app, metrics))
              .fallbackHandlerRegistry(proxy.calleeRegistry())
              .build()
              .start();
      AppAddress self =
          new AppAddress(appId, namespace, registeredHost(config), internal.getPort());
      try {
        resolver = StandaloneNameResolver.start(vertx, config.nameResolutionFile(), self);
      } catch (SQLException e) {
        throw new IOException(
            "cannot register in the name registry "
                + config.nameResolutionFile()
                + ": "
                + e.getMessage(),
            e);
      }
      ServiceInvocation service =
          new ServiceInvocation(appId, namespace, app, resolver, sidecars, metrics, timeout);
      log.info("internal gRPC (sidecar to sidecar) on port {}", internal.getPort());
      return new Invocation(
          internal,
          resolver,
          sidecars,
          appGrpc,
          service,
          new InvocationHttp(service, config.maxBodySize()),
          new InvocationGrpc(vertx, service, config.maxBodySize(), GrpcErrors::toStatus),
          proxy);
    } catch (IOException | RuntimeException e) {
      if (resolver != null) {
        resolver.close();
      }
      if (internal != null) {
        internal.shutdownNow();
      }
      sidecars.close();
      throw e;
    }
  }

  /** Other sidecars reach this one at a loopback address when it listens on all interfaces. */
  private static String registeredHost(SidecarConfig config) {
    String a = config.listenAddresses().get(0);
    return switch (a) {
      case "0.0.0.0" -> "127.0.0.1";
      case "::", "[::]", "0:0:0:0:0:0:0:0" -> "::1";
      default -> a.startsWith("[") && a.endsWith("]") ? a.substring(1, a.length() - 1) : a;
    };
  }

  public ServiceInvocation service() {
    return service;
  }

  /** The HTTP API's invocation routes. */
  public InvocationHttp http() {
    return http;
  }

  /** {@code Dapr/InvokeService}. */
  public InvocationGrpc grpc() {
    return grpc;
  }

  /** The gRPC API's fallback registry: proxy mode. */
  public HandlerRegistry grpcProxy(ServerInterceptor edge) {
    return proxy.callerRegistry(edge, resolver);
  }

  public int internalPort() {
    return internal.getPort();
  }

  /** Leaves the name registry first, then stops the internal server and closes the channels. */
  @Override
  public void close() {
    resolver.close();
    internal.shutdown();
    try {
      if (!internal.awaitTermination(5, TimeUnit.SECONDS)) {
        internal.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      internal.shutdownNow();
    }
    sidecars.close();
  }
}
