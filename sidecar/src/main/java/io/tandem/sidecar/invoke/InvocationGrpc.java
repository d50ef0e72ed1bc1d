package io.tandem.sidecar.invoke;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.rpc.ErrorInfo;
import io.dapr.v1.CommonProtos.HTTPExtension;
import io.dapr.v1.CommonProtos.InvokeRequest;
import io.dapr.v1.CommonProtos.InvokeResponse;
import io.dapr.v1.DaprInvokeProtos.InvokeServiceRequest;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.tandem.sidecar.api.ApiError;
import io.tandem.sidecar.appchannel.AppResponse;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import java.util.function.Function;

/**
 * {@code Dapr/InvokeService} over the shared {@link ServiceInvocation}: the request's data, content
 * type, verb and query become an invocation; the app's answer comes back whole (the RPC is unary).
 * As in Dapr, a non-2xx answer of an HTTP app is a gRPC error whose code follows the HTTP status,
 * and the status itself travels in the {@code dapr-http-status} header.
 */
public final class InvocationGrpc {
  static final String INVOKE_SERVICE = "dapr.proto.runtime.v1.Dapr/InvokeService";
  private static final Context.Key<Metadata> REQUEST_HEADERS = Context.key("tandem-invoke-in");
  private static final Context.Key<Metadata> RESPONSE_HEADERS = Context.key("tandem-invoke-out");
  private static final Metadata.Key<String> HTTP_STATUS =
      Metadata.Key.of(Headers.HTTP_STATUS, Metadata.ASCII_STRING_MARSHALLER);

  /** The largest answer a unary reply can carry whole. */
  private static final long MAX_UNARY_REPLY = Integer.MAX_VALUE - 1024;

  private final Vertx vertx;
  private final ServiceInvocation service;
  private final long maxBodySize;
  private final Function<Throwable, StatusRuntimeException> render;

  InvocationGrpc(
      Vertx vertx,
      ServiceInvocation service,
      long maxBodySize,
      Function<Throwable, StatusRuntimeException> render) {
    this.vertx = vertx;
    this.service = service;
    this.maxBodySize = maxBodySize;
    this.render = render;
  }

  /**
   * Lets {@link #invokeService} read the caller's metadata and set response headers. Install it on
   * the gRPC API service.
   */
  public ServerInterceptor metadataInterceptor() {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (!call.getMethodDescriptor().getFullMethodName().equals(INVOKE_SERVICE)) {
          return next.startCall(call, headers);
        }
        Metadata extra = new Metadata();
        ServerCall<Q, R> withExtra =
            new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
              @Override
              public void sendHeaders(Metadata h) {
                synchronized (extra) {
                  h.merge(extra);
                }
                super.sendHeaders(h);
              }
            };
        Context ctx =
            Context.current()
                .withValue(REQUEST_HEADERS, headers)
                .withValue(RESPONSE_HEADERS, extra);
        return Contexts.interceptCall(ctx, withExtra, headers, next);
      }
    };
  }

  public void invokeService(InvokeServiceRequest req, StreamObserver<InvokeResponse> out) {
    Metadata in = REQUEST_HEADERS.get();
    Metadata extra = RESPONSE_HEADERS.get();
    io.vertx.core.Context context = vertx.getOrCreateContext();
    context.runOnContext(v -> invoke(context, req, in == null ? new Metadata() : in, extra, out));
  }

  private void invoke(
      io.vertx.core.Context context,
      InvokeServiceRequest req,
      Metadata in,
      Metadata extra,
      StreamObserver<InvokeResponse> out) {
    InvokeRequest msg = req.getMessage();
    MethodPath method;
    try {
      method = MethodPath.fromDecoded(msg.getMethod());
    } catch (MethodPath.InvalidMethodException e) {
      out.onError(render.apply(ServiceInvocation.invalidMethod(req.getId(), e)));
      return;
    }
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    Metadata forwarded = ProxyCall.forwardable(in);
    for (String key : forwarded.keys()) {
      if (!key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
        Iterable<String> values =
            forwarded.getAll(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
        if (values != null) {
          values.forEach(val -> headers.add(key, val));
        }
      }
    }
    if (!msg.getContentType().isEmpty()) {
      headers.set(HttpHeaders.CONTENT_TYPE, msg.getContentType());
    }
    ByteString data = msg.getData().getValue();
    if (data.size() > maxBodySize) {
      out.onError(
          render.apply(
              ApiError.BODY_TOO_LARGE.exception(
                  "request body exceeds the limit of "
                      + maxBodySize
                      + " bytes (--max-body-size)")));
      return;
    }
    HTTPExtension ext = msg.getHttpExtension();
    String verb =
        ext.getVerb() == HTTPExtension.Verb.NONE || ext.getVerb() == HTTPExtension.Verb.UNRECOGNIZED
            ? "POST"
            : ext.getVerb().name();
    ServiceInvocation.Request call =
        new ServiceInvocation.Request(
            verb,
            method,
            ext.getQuerystring(),
            headers,
            data.isEmpty() ? null : new InMemoryBody(context, Buffer.buffer(data.toByteArray())));
    service
        .invoke(req.getId(), call)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                out.onError(render.apply(ServiceInvocation.failure(req.getId(), null, ar.cause())));
                return;
              }
              AppResponse res = ar.result();
              InMemoryBody.collect(res.body(), MAX_UNARY_REPLY)
                  .onComplete(
                      body -> {
                        if (body.failed()) {
                          out.onError(
                              render.apply(
                                  ServiceInvocation.failure(req.getId(), null, body.cause())));
                        } else {
                          reply(res, body.result(), extra, out);
                        }
                      });
            });
  }

  private static void reply(
      AppResponse res, Buffer body, Metadata extra, StreamObserver<InvokeResponse> out) {
    String status = Integer.toString(res.status());
    if (extra != null) {
      synchronized (extra) {
        extra.put(HTTP_STATUS, status);
      }
    }
    if (res.status() >= 200 && res.status() < 300) {
      String ct = res.headers().get(HttpHeaders.CONTENT_TYPE);
      out.onNext(
          InvokeResponse.newBuilder()
              .setData(Any.newBuilder().setValue(ByteString.copyFrom(body.getBytes())))
              .setContentType(ct == null ? "" : ct)
              .build());
      out.onCompleted();
      return;
    }
    out.onError(httpError(res.status(), body.toString()));
  }

  /** A non-2xx HTTP answer as Dapr renders it for a gRPC caller. */
  static StatusRuntimeException httpError(int httpStatus, String body) {
    String text = reasonPhrase(httpStatus);
    String detail = body.length() >= 63 ? body.substring(0, 63) : body;
    com.google.rpc.Status status =
        com.google.rpc.Status.newBuilder()
            .setCode(codeFromHttp(httpStatus).value())
            .setMessage(text)
            .addDetails(
                Any.pack(
                    ErrorInfo.newBuilder()
                        .setReason(text)
                        .setDomain(ApiError.DOMAIN)
                        .putMetadata("http.code", Integer.toString(httpStatus))
                        .putMetadata("http.error_message", detail)
                        .build()))
            .build();
    StatusRuntimeException e = StatusProto.toStatusRuntimeException(status);
    Metadata trailers = e.getTrailers() == null ? new Metadata() : e.getTrailers();
    trailers.put(HTTP_STATUS, Integer.toString(httpStatus));
    return e.getStatus().asRuntimeException(trailers);
  }

  /** Dapr's mapping from an app's HTTP status to a gRPC code. */
  static Status.Code codeFromHttp(int s) {
    if (s >= 200 && s < 300) {
      return Status.Code.OK;
    }
    return switch (s) {
      case 408 -> Status.Code.CANCELLED;
      case 400 -> Status.Code.INTERNAL;
      case 504 -> Status.Code.DEADLINE_EXCEEDED;
      case 404 -> Status.Code.NOT_FOUND;
      case 409 -> Status.Code.ALREADY_EXISTS;
      case 403 -> Status.Code.PERMISSION_DENIED;
      case 401 -> Status.Code.UNAUTHENTICATED;
      case 429 -> Status.Code.RESOURCE_EXHAUSTED;
      case 501 -> Status.Code.UNIMPLEMENTED;
      case 503 -> Status.Code.UNAVAILABLE;
      default -> Status.Code.UNKNOWN;
    };
  }

  private static String reasonPhrase(int s) {
    String p = io.netty.handler.codec.http.HttpResponseStatus.valueOf(s).reasonPhrase();
    return p == null || p.isEmpty() ? "Status " + s : p;
  }
}
