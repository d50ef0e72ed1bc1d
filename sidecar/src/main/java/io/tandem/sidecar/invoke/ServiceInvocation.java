package io.tandem.sidecar.invoke;

import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tandem.components.Completions;
import io.tandem.proto.internal.v1.RequestHead;
import io.tandem.sidecar.api.ApiError;
import io.tandem.sidecar.api.ApiException;
import io.tandem.sidecar.appchannel.AppChannel;
import io.tandem.sidecar.appchannel.AppRequest;
import io.tandem.sidecar.appchannel.AppResponse;
import io.tandem.sidecar.metrics.SidecarMetrics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service invocation building block, shared by the HTTP and gRPC transports: finds the target
 * app's sidecar, streams the call to it over the internal gRPC port (or straight into this
 * sidecar's app when the target is this app), and renders every failure as Dapr's {@code
 * ERR_DIRECT_INVOKE}.
 */
public final class ServiceInvocation {
  private static final Logger log = LoggerFactory.getLogger("tandem.sidecar.invoke");

  /** How long an invocation waits for the app's response head, unless told otherwise. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  /**
   * One call, already decoded by a transport.
   *
   * @param method the normalised method path
   * @param query the raw query string, without {@code ?}
   * @param headers the caller's headers (filtered here: hop-by-hop and reserved headers never pass)
   * @param body the request body, or null for none; streamed, consumed once
   */
  public record Request(
      String verb, MethodPath method, String query, MultiMap headers, ReadStream<Buffer> body) {}

  private record Target(String appId, String namespace) {}

  private final String appId;
  private final String namespace;
  private final AppChannel app;
  private final NameResolver resolver;
  private final SidecarChannels channels;
  private final SidecarMetrics metrics;
  private final Duration timeout;

  /**
   * @param app this sidecar's app (a channel that fails every call when it has none)
   */
  ServiceInvocation(
      String appId,
      String namespace,
      AppChannel app,
      NameResolver resolver,
      SidecarChannels channels,
      SidecarMetrics metrics,
      Duration timeout) {
    this.appId = appId;
    this.namespace = namespace;
    this.app = app;
    this.resolver = resolver;
    this.channels = channels;
    this.metrics = metrics;
    this.timeout = timeout;
  }

  public String appId() {
    return appId;
  }

  /**
   * Invokes {@code req.method} on the app {@code target} ({@code app-id} or {@code
   * app-id.namespace}). Call on a Vert.x context: the future completes there, with the app's
   * status, headers and streamed body, or fails with an {@link ApiException}.
   */
  public Future<AppResponse> invoke(String target, Request req) {
    Context context = Vertx.currentContext();
    if (context == null) {
      throw new IllegalStateException("invoke must be called on a Vert.x context");
    }
    Target t;
    try {
      t = parseTarget(target);
    } catch (ApiException e) {
      return Future.failedFuture(e);
    }
    MultiMap headers = Headers.requestHeaders(req.headers());
    String traceparent = TraceContext.childOf(req.headers().get(TraceContext.TRACEPARENT));
    headers.remove(TraceContext.TRACEPARENT);
    String tracestate = req.headers().get(TraceContext.TRACESTATE);
    headers.remove(TraceContext.TRACESTATE);

    if (t.appId().equals(appId) && t.namespace().equals(namespace)) {
      return invokeSelf(context, target, req, headers, traceparent, tracestate);
    }
    RequestHead.Builder head =
        RequestHead.newBuilder()
            .setCallerAppId(appId)
            .setCallerNamespace(namespace)
            .setCalleeAppId(t.appId())
            .setVerb(req.verb())
            .setMethod(req.method().encoded())
            .setQuery(req.query() == null ? "" : req.query())
            .addAllHeaders(Headers.toProto(headers))
            .setTraceparent(traceparent)
            .setHasBody(req.body() != null);
    if (tracestate != null) {
      head.setTracestate(tracestate);
    }
    return resolver
        .resolve(t.appId(), t.namespace())
        .recover(err -> Future.failedFuture(failure(target, null, err)))
        .compose(address -> invokeRemote(context, target, address, head.build(), req.body()));
  }

  private Future<AppResponse> invokeRemote(
      Context context,
      String target,
      AppAddress address,
      RequestHead head,
      ReadStream<Buffer> body) {
    Channel channel = channels.get(address);
    long start = System.nanoTime();
    metrics.invocationRequestSent(address.appId());
    return RemoteCall.start(context, channel, head, body, timeout)
        .map(
            res -> {
              metrics.invocationResponseReceived(
                  address.appId(), res.status(), (System.nanoTime() - start) / 1e6);
              return res;
            })
        .recover(
            err -> {
              if (err instanceof StatusRuntimeException sre
                  && sre.getStatus().getCode() == Status.Code.UNAVAILABLE
                  && !fromCallee(sre)) {
                resolver.forget(address);
                channels.evict(address);
              }
              return Future.failedFuture(failure(target, address, err));
            });
  }

  private Future<AppResponse> invokeSelf(
      Context context,
      String target,
      Request req,
      MultiMap headers,
      String traceparent,
      String tracestate) {
    headers.set(Headers.CALLER_APP_ID, appId);
    if (!namespace.isEmpty()) {
      headers.set(Headers.CALLER_NAMESPACE, namespace);
    }
    headers.set(Headers.CALLEE_APP_ID, appId);
    headers.set(TraceContext.TRACEPARENT, traceparent);
    if (tracestate != null) {
      headers.set(TraceContext.TRACESTATE, tracestate);
    }
    AppRequest request =
        new AppRequest(
            req.verb(),
            req.method().encoded(),
            req.query() == null ? "" : req.query(),
            headers,
            req.body());
    Promise<AppResponse> answer = Promise.promise();
    long timer =
        context
            .owner()
            .setTimer(
                timeout.toMillis(),
                id -> answer.tryFail(new InvocationFailures.ResponseTimeoutException(timeout)));
    Future<AppResponse> call;
    try {
      call = app.invoke(request);
    } catch (RuntimeException e) {
      call = Future.failedFuture(e);
    }
    call.onComplete(
        ar -> {
          context.owner().cancelTimer(timer);
          if (ar.failed()) {
            answer.tryFail(ar.cause());
          } else if (!answer.tryComplete(ar.result())) {
            discard(ar.result());
          }
        });
    return answer.future().recover(err -> Future.failedFuture(failure(target, null, err)));
  }

  private static void discard(AppResponse late) {
    if (late.body() instanceof Abortable a) {
      a.abort(new InvocationFailures.ResponseTimeoutException(Duration.ZERO));
    } else if (late.body() != null) {
      late.body().handler(b -> {}).resume();
    }
  }

  private Target parseTarget(String target) {
    if (target == null || target.isBlank()) {
      throw ApiError.DIRECT_INVOKE_NO_APP_ID.exception(
          "failed getting app id either from the URL path or the header dapr-app-id");
    }
    String[] parts = target.split("\\.", -1);
    if (parts.length == 1) {
      return new Target(target, namespace);
    }
    if (parts.length == 2 && !parts[0].isEmpty() && !parts[1].isEmpty()) {
      return new Target(parts[0], parts[1]);
    }
    throw ApiError.DIRECT_INVOKE.exception(
        "failed to invoke, id: " + target + ", err: invalid app id " + target);
  }

  /** An invalid method path, rendered as Dapr renders it (with our 400 rather than Dapr's 500). */
  public static ApiException invalidMethod(String target, MethodPath.InvalidMethodException e) {
    return ApiError.DIRECT_INVOKE_INVALID_METHOD.exception(
        "failed to invoke, id: " + target + ", err: invalid method: " + e.getMessage());
  }

  /** Renders why an invocation failed, naming the step that failed. */
  static ApiException failure(String target, AppAddress address, Throwable err) {
    Throwable t = Completions.unwrap(err);
    if (t instanceof ApiException api) {
      return api;
    }
    if (t instanceof InvocationFailures.BodyTooLargeException) {
      return ApiError.BODY_TOO_LARGE.exception(t.getMessage());
    }
    String cause;
    if (t instanceof StatusRuntimeException sre) {
      String description = sre.getStatus().getDescription();
      if (fromCallee(sre)) {
        cause = description;
      } else {
        Throwable io = sre.getCause() != null ? sre.getCause() : sre;
        String why = io.getMessage() != null ? io.getMessage() : sre.getStatus().getCode().name();
        cause =
            (address == null
                    ? "cannot reach the target sidecar"
                    : "cannot reach the sidecar of "
                        + address.appId()
                        + " at "
                        + address.authority())
                + ": "
                + why;
      }
    } else {
      cause = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    }
    log.debug("invocation of {} failed: {}", target, cause);
    return ApiError.DIRECT_INVOKE.exception("failed to invoke, id: " + target + ", err: " + cause);
  }

  static boolean fromCallee(StatusRuntimeException sre) {
    return sre.getTrailers() != null
        && sre.getTrailers().containsKey(InvocationFailures.CALLEE_ERROR);
  }
}
