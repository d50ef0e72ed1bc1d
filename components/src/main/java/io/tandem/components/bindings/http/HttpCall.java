package io.tandem.components.bindings.http;

import io.tandem.components.ComponentException;
import io.tandem.components.bindings.InvokeRequest;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The HTTP request one binding call becomes, built without I/O: method from the operation ({@code
 * create} is {@code POST}), URL from {@code url} plus the call's {@code path}, headers from the
 * call's metadata keys that start with a capital letter, the security token, trace context and
 * Dapr's default {@code Accept} and {@code Content-Type}.
 *
 * @param body the bytes to send, or null for methods without a body
 * @param headers header name to value, in the order they are set; names as given
 * @param errorIfNot2XX whether a non-2xx answer fails the call
 */
record HttpCall(
    String method, URI uri, Map<String, String> headers, byte[] body, boolean errorIfNot2XX) {

  static final String DEFAULT_TYPE = "application/json; charset=utf-8";

  private static final Set<String> WITH_BODY = Set.of("POST", "PUT", "PATCH");
  private static final Set<String> WITHOUT_BODY =
      Set.of("GET", "HEAD", "DELETE", "OPTIONS", "TRACE");
  private static final String[] TRACE_KEYS = {"traceparent", "tracestate", "baggage"};

  static HttpCall build(HttpBindingConfig config, InvokeRequest request) {
    String method = request.operation().toUpperCase(Locale.ROOT);
    if (method.equals("CREATE")) {
      method = "POST";
    }
    if (!WITH_BODY.contains(method) && !WITHOUT_BODY.contains(method)) {
      throw ComponentException.invalid("invalid operation: " + request.operation());
    }
    Map<String, String> md = request.metadata();
    URI uri = config.url();
    String path = md.get("path");
    if (path != null && !path.isEmpty()) {
      uri = appendPath(uri, path);
    }
    boolean errorIfNot2XX = config.errorIfNot2XX();
    String perCall = md.get("errorIfNot2XX");
    if (perCall != null && !perCall.isEmpty()) {
      errorIfNot2XX = truthy(perCall);
    }

    Map<String, String> headers = new LinkedHashMap<>();
    byte[] body = WITH_BODY.contains(method) ? request.data() : null;
    if (body != null && !hasKey(md, "Content-Type")) {
      headers.put("Content-Type", DEFAULT_TYPE);
    }
    if (!hasKey(md, "Accept")) {
      headers.put("Accept", DEFAULT_TYPE);
    }
    if (config.securityToken() != null && config.securityTokenHeader() != null) {
      headers.put(config.securityTokenHeader(), config.securityToken());
    }
    md.forEach(
        (k, v) -> {
          if (!k.isEmpty() && k.charAt(0) >= 'A' && k.charAt(0) <= 'Z') {
            put(headers, k, v);
          }
        });
    for (String key : TRACE_KEYS) {
      String v = md.get(key);
      if (v != null && !v.isEmpty()) {
        put(headers, key, v);
      }
    }
    return new HttpCall(method, uri, headers, body, errorIfNot2XX);
  }

  /** {@code base} with {@code path} appended: one slash between them, the path's query kept. */
  static URI appendPath(URI base, String path) {
    String b = base.toString();
    while (b.endsWith("/")) {
      b = b.substring(0, b.length() - 1);
    }
    String p = path;
    while (p.startsWith("/")) {
      p = p.substring(1);
    }
    try {
      return new URI(b + "/" + p);
    } catch (URISyntaxException e) {
      throw ComponentException.invalid("metadata 'path' does not make a valid URL: " + path);
    }
  }

  /** Dapr's truthy values: {@code y yes true t on 1}, ignoring case; anything else is false. */
  static boolean truthy(String v) {
    return switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "y", "yes", "true", "t", "on", "1" -> true;
      default -> false;
    };
  }

  /** Sets a header, replacing one of the same name in any case (HTTP names ignore case). */
  private static void put(Map<String, String> headers, String name, String value) {
    headers.keySet().removeIf(existing -> existing.equalsIgnoreCase(name));
    headers.put(name, value);
  }

  private static boolean hasKey(Map<String, String> md, String name) {
    return md.keySet().stream().anyMatch(k -> k.equalsIgnoreCase(name));
  }
}
