package io.tandem.sidecar.invoke;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.HandlerRegistry;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tandem.sidecar.api.ApiException;
import io.tandem.sidecar.metrics.SidecarMetrics;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * gRPC proxy mode, as Dapr's: a call of any method the sidecar does not serve itself, carrying the
 * metadata {@code dapr-app-id}, goes to that app's own gRPC server, through its sidecar.
 *
 * <p>The caller registry is the fallback registry of the sidecar's gRPC API: it resolves the target
 * and forwards the call, unchanged, to the target sidecar's internal port (or straight to this
 * sidecar's app when the target is this app). {@link #calleeRegistry} is the fallback registry of
 * the internal port: it forwards such calls to the app.
 */
public final class GrpcProxy {
  private static final Logger log = LoggerFactory.getLogger("tandem.sidecar.invoke.proxy");

  static final Metadata.Key<String> APP_ID =
      Metadata.Key.of(Headers.DAPR_APP_ID, Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> CALLER =
      Metadata.Key.of(Headers.CALLER_APP_ID, Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> CALLER_NAMESPACE =
      Metadata.Key.of(Headers.CALLER_NAMESPACE, Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> CALLEE =
      Metadata.Key.of(Headers.CALLEE_APP_ID, Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> TOKEN =
      Metadata.Key.of(Headers.API_TOKEN, Metadata.ASCII_STRING_MARSHALLER);

  private final String appId;
  private final String namespace;
  private final SidecarChannels sidecars;
  private final AppGrpcChannel app;
  private final String appApiToken;
  private final SidecarMetrics metrics;
  private final Function<Throwable, StatusRuntimeException> render;

  /**
   * @param app the app's gRPC server, or a channel that is absent when the app does not speak gRPC
   * @param render renders an {@link ApiException} as the API's gRPC status (the one error catalog)
   */
  GrpcProxy(
      String appId,
      String namespace,
      SidecarChannels sidecars,
      AppGrpcChannel app,
      String appApiToken,
      SidecarMetrics metrics,
      Function<Throwable, StatusRuntimeException> render) {
    this.appId = appId;
    this.namespace = namespace;
    this.sidecars = sidecars;
    this.app = app;
    this.appApiToken = appApiToken;
    this.metrics = metrics;
    this.render = render;
  }

  /**
   * The fallback registry for the sidecar's gRPC API. {@code edge} (token check, metrics) runs
   * first, as on the API's own methods.
   */
  HandlerRegistry callerRegistry(ServerInterceptor edge, NameResolver resolver) {
    ServerCallHandler<byte[], byte[]> forward =
        (call, headers) -> forwardFromApp(call, headers, resolver);
    ServerCallHandler<byte[], byte[]> handler =
        new ServerCallHandler<>() {
          @Override
          public ServerCall.Listener<byte[]> startCall(
              ServerCall<byte[], byte[]> call, Metadata headers) {
            return edge.interceptCall(call, headers, forward);
          }
        };
    return registry(handler);
  }

  /** The fallback registry for the internal port. */
  HandlerRegistry calleeRegistry() {
    return registry(this::forwardToApp);
  }

  private static HandlerRegistry registry(ServerCallHandler<byte[], byte[]> handler) {
    return new HandlerRegistry() {
      @Override
      public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
        return ServerMethodDefinition.create(ProxyCall.descriptor(methodName), handler);
      }
    };
  }

  // ---- on the caller's sidecar

  private ServerCall.Listener<byte[]> forwardFromApp(
      ServerCall<byte[], byte[]> call, Metadata headers, NameResolver resolver) {
    String method = call.getMethodDescriptor().getFullMethodName();
    String target = headers.get(APP_ID);
    if (target == null || target.isEmpty()) {
      call.close(
          Status.UNIMPLEMENTED.withDescription(
              "unknown method "
                  + method
                  + "; to call another app's gRPC service through this sidecar, set the metadata "
                  + Headers.DAPR_APP_ID),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    CallOptions options = withDeadline(CallOptions.DEFAULT);
    Metadata onward = ProxyCall.forwardable(headers);
    onward.put(CALLER, appId);
    if (!namespace.isEmpty()) {
      onward.put(CALLER_NAMESPACE, namespace);
    }
    String[] parts = target.split("\\.", -1);
    String targetApp = parts[0];
    String targetNamespace = parts.length == 2 ? parts[1] : namespace;
    onward.put(CALLEE, targetApp);
    if (targetApp.equals(appId) && targetNamespace.equals(namespace)) {
      ProxyCall proxy = new ProxyCall(call, s -> {});
      connectToApp(proxy, onward, options);
      return proxy;
    }
    metrics.invocationStreamSent(targetApp);
    AtomicReference<AppAddress> resolved = new AtomicReference<>();
    ProxyCall proxy =
        new ProxyCall(
            call,
            s -> {
              metrics.invocationStreamResponseReceived(targetApp, s.getCode().value());
              AppAddress a = resolved.get();
              if (a != null && s.getCode() == Status.Code.UNAVAILABLE) {
                resolver.forget(a);
                sidecars.evict(a);
              }
            });
    resolver
        .resolve(targetApp, targetNamespace)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                StatusRuntimeException e =
                    render.apply(ServiceInvocation.failure(target, null, ar.cause()));
                proxy.fail(e.getStatus(), trailers(e));
                return;
              }
              AppAddress address = ar.result();
              resolved.set(address);
              proxy.connect(sidecars.get(address), onward, options);
            });
    return proxy;
  }

  // ---- on the callee's sidecar

  private ServerCall.Listener<byte[]> forwardToApp(
      ServerCall<byte[], byte[]> call, Metadata headers) {
    String callee = headers.get(CALLEE);
    String caller = headers.get(CALLER);
    if (callee == null || !callee.equals(appId)) {
      call.close(
          Status.FAILED_PRECONDITION.withDescription(
              "this sidecar serves app id " + appId + ", not " + callee),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    String source = caller == null ? "" : caller;
    metrics.invocationRequestReceived(source);
    Metadata onward = ProxyCall.forwardable(headers);
    onward.put(CALLER, source);
    String callerNamespace = headers.get(CALLER_NAMESPACE);
    if (callerNamespace != null) {
      onward.put(CALLER_NAMESPACE, callerNamespace);
    }
    onward.put(CALLEE, appId);
    ProxyCall proxy =
        new ProxyCall(call, s -> metrics.invocationResponseSent(source, s.getCode().value()));
    connectToApp(proxy, onward, withDeadline(CallOptions.DEFAULT));
    return proxy;
  }

  private void connectToApp(ProxyCall proxy, Metadata onward, CallOptions options) {
    Channel channel = app.channel();
    if (channel == null) {
      Metadata trailers = new Metadata();
      trailers.put(InvocationFailures.CALLEE_ERROR, "callee");
      proxy.fail(Status.UNAVAILABLE.withDescription(app.unavailableReason()), trailers);
      return;
    }
    if (appApiToken != null && !appApiToken.isEmpty()) {
      onward.put(TOKEN, appApiToken);
    }
    log.debug("proxying a gRPC call to the app");
    proxy.connect(channel, onward, options);
  }

  private static CallOptions withDeadline(CallOptions options) {
    Deadline deadline = Context.current().getDeadline();
    return deadline == null ? options : options.withDeadline(deadline);
  }

  private static Metadata trailers(StatusRuntimeException e) {
    return e.getTrailers() == null ? new Metadata() : e.getTrailers();
  }
}
