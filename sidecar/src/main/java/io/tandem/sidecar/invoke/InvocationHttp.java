package io.tandem.sidecar.invoke;

import io.tandem.sidecar.api.ApiError;
import io.tandem.sidecar.api.ApiException;
import io.tandem.sidecar.appchannel.AppResponse;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.streams.ReadStream;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Service invocation over the sidecar's HTTP API: {@code /v1.0/invoke/{app-id}/method/{method}}
 * with any verb, and any other path carrying a {@code dapr-app-id} header. Bodies stream both ways
 * (no body handler); the app's status, headers and body come back as the app sent them.
 */
public final class InvocationHttp {
  private static final String INVOKE_PREFIX = "/v1.0/invoke/";

  /** First path segments that belong to the sidecar's own API, never to header routing. */
  private static final Pattern API_VERSION = Pattern.compile("^/v1\\.0(-(alpha|beta)\\d+)?(/.*)?$");

  private final ServiceInvocation service;
  private final long maxBodySize;

  InvocationHttp(ServiceInvocation service, long maxBodySize) {
    this.service = service;
    this.maxBodySize = maxBodySize;
  }

  /**
   * Routes a request carrying {@code dapr-app-id} (or basic auth user {@code dapr-app-id}) to that
   * app, its whole path being the method; passes anything else on. Install it after authentication
   * and before the API's routes. The sidecar's own API paths ({@code /v1.0...}) are never taken
   * over, as in Dapr, where the header only applies to paths no route serves.
   */
  public void routeByHeader(RoutingContext ctx) {
    String target = targetFromHeaders(ctx.request().headers());
    if (target == null || API_VERSION.matcher(ctx.normalizedPath()).matches()) {
      ctx.next();
      return;
    }
    String path = ctx.normalizedPath();
    handle(ctx, target, path.startsWith("/") ? path.substring(1) : path);
  }

  /** {@code /v1.0/invoke/{app-id}/method/{method...}}, any verb. */
  public void invokeRoute(RoutingContext ctx) {
    String path = ctx.normalizedPath();
    String rest = path.startsWith(INVOKE_PREFIX) ? path.substring(INVOKE_PREFIX.length()) : "";
    int slash = rest.indexOf('/');
    String id = slash < 0 ? rest : rest.substring(0, slash);
    String tail = slash < 0 ? "" : rest.substring(slash + 1);
    String method;
    if (tail.equals("method")) {
      method = "";
    } else if (tail.startsWith("method/")) {
      method = tail.substring("method/".length());
    } else {
      id = "";
      method = "";
    }
    String target;
    try {
      target = decodeAppId(id);
    } catch (IllegalArgumentException e) {
      target = "";
    }
    if (target.isEmpty()) {
      ctx.fail(
          ApiError.DIRECT_INVOKE_NO_APP_ID.exception(
              "failed getting app id either from the URL path or the header dapr-app-id"));
      return;
    }
    handle(ctx, target, method);
  }

  private void handle(RoutingContext ctx, String target, String rawMethod) {
    HttpServerRequest req = ctx.request();
    req.pause();
    MethodPath method;
    try {
      method = MethodPath.fromEncoded(rawMethod);
    } catch (MethodPath.InvalidMethodException e) {
      failBeforeHead(ctx, ServiceInvocation.invalidMethod(target, e), true);
      return;
    }
    long declared = contentLength(req);
    if (declared > maxBodySize) {
      failBeforeHead(
          ctx,
          ApiError.BODY_TOO_LARGE.exception(
              "request body exceeds the limit of " + maxBodySize + " bytes (--max-body-size)"),
          true);
      return;
    }
    boolean hasBody = hasBody(req, declared);
    ReadStream<Buffer> body = null;
    if (hasBody) {
      if ("100-continue".equalsIgnoreCase(req.getHeader(HttpHeaders.EXPECT))) {
        ctx.response().writeContinue();
      }
      body = new LimitedBody(req, maxBodySize);
    } else {
      req.resume();
    }
    String query = req.query();
    ServiceInvocation.Request call =
        new ServiceInvocation.Request(
            req.method().name(), method, query == null ? "" : query, req.headers(), body);
    service
        .invoke(target, call)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                ApiException api = ServiceInvocation.failure(target, null, ar.cause());
                failBeforeHead(ctx, api, hasBody && !req.isEnded());
              } else {
                respond(ctx, ar.result());
              }
            });
  }

  private static void respond(RoutingContext ctx, AppResponse res) {
    HttpServerResponse out = ctx.response();
    if (out.closed() || out.ended()) {
      abort(res, new IllegalStateException("the caller went away"));
      return;
    }
    out.setStatusCode(res.status());
    for (Map.Entry<String, String> h : Headers.responseHeaders(res.headers())) {
      out.headers().add(h.getKey(), h.getValue());
    }
    boolean bodyAllowed =
        ctx.request().method() != HttpMethod.HEAD
            && res.status() >= 200
            && res.status() != 204
            && res.status() != 304;
    if (!bodyAllowed || res.body() == null) {
      if (!bodyAllowed) {
        out.headers().remove(HttpHeaders.TRANSFER_ENCODING);
      }
      out.end();
      abort(res, null);
      return;
    }
    if (!out.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
      out.setChunked(true);
    }
    res.body()
        .pipe()
        .endOnFailure(false)
        .to(out)
        .onFailure(
            err -> {
              abort(res, err);
              out.reset();
            });
  }

  /** Stops or drains a response body nobody will read. */
  private static void abort(AppResponse res, Throwable cause) {
    if (res.body() instanceof Abortable a) {
      if (cause != null) {
        a.abort(cause);
      }
    } else if (res.body() instanceof io.vertx.core.http.HttpClientResponse r && cause != null) {
      r.request().reset();
    } else if (res.body() != null) {
      res.body().handler(b -> {}).resume();
    }
  }

  private static void failBeforeHead(RoutingContext ctx, ApiException e, boolean unreadBody) {
    if (ctx.response().headWritten()) {
      ctx.response().reset();
      return;
    }
    if (unreadBody) {
      // the rest of the request body is not read: this connection cannot carry another request
      ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
    }
    ctx.request().resume();
    ctx.fail(e);
  }

  private static long contentLength(HttpServerRequest req) {
    String v = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (v == null) {
      return -1;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static boolean hasBody(HttpServerRequest req, long declared) {
    if (declared >= 0) {
      return declared > 0;
    }
    if (req.version() == HttpVersion.HTTP_2) {
      return !req.isEnded();
    }
    return req.headers().contains(HttpHeaders.TRANSFER_ENCODING);
  }

  /** The target of header routing: {@code dapr-app-id}, else basic auth as {@code dapr-app-id}. */
  static String targetFromHeaders(MultiMap headers) {
    String id = headers.get(Headers.DAPR_APP_ID);
    if (id != null && !id.isBlank()) {
      return id.trim();
    }
    String auth = headers.get(HttpHeaders.AUTHORIZATION);
    if (auth != null && auth.regionMatches(true, 0, "Basic ", 0, 6)) {
      try {
        String pair =
            new String(
                Base64.getDecoder().decode(auth.substring(6).trim()), StandardCharsets.UTF_8);
        int colon = pair.indexOf(':');
        if (colon > 0
            && pair.substring(0, colon).equalsIgnoreCase(Headers.DAPR_APP_ID)
            && colon + 1 < pair.length()) {
          return pair.substring(colon + 1);
        }
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    return null;
  }

  private static String decodeAppId(String id) {
    return id.indexOf('%') < 0
        ? id
        : java.net.URLDecoder.decode(id.replace("+", "%2B"), StandardCharsets.UTF_8);
  }
}
