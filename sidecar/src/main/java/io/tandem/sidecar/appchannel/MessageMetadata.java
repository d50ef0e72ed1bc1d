package io.tandem.sidecar.appchannel;

import io.grpc.Metadata;
import io.vertx.core.MultiMap;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pub/sub message's broker metadata (Kafka's {@code __key}, {@code __partition}, record headers,
 * {@code pubsubName}...) as Dapr hands it to the app with each delivery: HTTP request headers for
 * an HTTP app, gRPC metadata for a gRPC app. Names are lower-cased, as Dapr sends them.
 *
 * <p>The metadata comes from whoever published the message, so it never decides how the request is
 * framed nor who sent it: not passed are hop-by-hop headers (and those a {@code connection} entry
 * nominates), {@code host}, {@code expect}, {@code content-type}, {@code content-length}, the trace
 * headers (the channel takes them from the CloudEvent), {@code dapr-api-token}, {@code
 * destination-app-id} and {@code *-bin} names. An entry that cannot be sent as it is, a name that
 * is not a header token or a value with a control character (CR, LF...), is left out rather than
 * altered; so, for gRPC, is a value outside printable ASCII, and a {@code grpc-*} name (gRPC's
 * own). Over HTTP a {@code grpc-*} name becomes {@code dapr-grpc-*} as in Dapr, and a non-ASCII
 * value is sent as its UTF-8 bytes.
 */
final class MessageMetadata {
  private static final Logger log = LoggerFactory.getLogger("tandem.sidecar.appchannel");

  /** Never taken from message metadata, besides {@link HopByHopHeaders}' own list. */
  private static final Set<String> NOT_PASSED =
      Set.of(
          "content-type",
          "content-length",
          "dapr-api-token",
          "traceparent",
          "tracestate",
          "grpc-trace-bin",
          "destination-app-id");

  private MessageMetadata() {}

  /** The headers of an HTTP delivery carrying {@code metadata}. */
  static MultiMap httpHeaders(Map<String, String> metadata) {
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    for (Map.Entry<String, String> e : passable(metadata)) {
      String name = e.getKey();
      String value = e.getValue();
      if (!isToken(name) || !isHeaderValue(value)) {
        log.debug("message metadata {} is not a valid HTTP header: not passed to the app", name);
        continue;
      }
      out.add(name.startsWith("grpc-") ? "dapr-" + name : name, asWireBytes(value));
    }
    return out;
  }

  /** The gRPC metadata of a delivery carrying {@code metadata}. */
  static Metadata grpcMetadata(Map<String, String> metadata) {
    Metadata out = new Metadata();
    for (Map.Entry<String, String> e : passable(metadata)) {
      String name = e.getKey();
      String value = e.getValue();
      if (name.startsWith("grpc-") || !isGrpcName(name) || !isGrpcAsciiValue(value)) {
        log.debug("message metadata {} is not valid gRPC metadata: not passed to the app", name);
        continue;
      }
      out.put(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER), value);
    }
    return out;
  }

  /** Lower-cased entries, without the ones no delivery passes on. */
  private static MultiMap passable(Map<String, String> metadata) {
    MultiMap lower = MultiMap.caseInsensitiveMultiMap();
    if (metadata == null) {
      return lower;
    }
    metadata.forEach(
        (k, v) -> {
          if (k != null && !k.isEmpty() && v != null) {
            lower.add(k.toLowerCase(Locale.ROOT), v);
          }
        });
    MultiMap kept = HopByHopHeaders.strip(lower, NOT_PASSED);
    // the connection entry itself is hop-by-hop: strip dropped it along with what it nominates
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    for (Map.Entry<String, String> e : kept) {
      if (!e.getKey().endsWith("-bin")) {
        out.add(e.getKey(), e.getValue());
      }
    }
    return out;
  }

  /** RFC 9110 token: what an HTTP field name may be. */
  static boolean isToken(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** No control characters but horizontal tab: no CR or LF to split the request with. */
  static boolean isHeaderValue(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        return false;
      }
    }
    return true;
  }

  /**
   * The value as a string whose chars are the UTF-8 bytes of {@code s}: Vert.x writes each char of
   * a header as one byte, so non-ASCII text reaches the app as UTF-8, as Dapr sends it.
   */
  static String asWireBytes(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) > 0x7f) {
        return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
      }
    }
    return s;
  }

  /** gRPC's Header-Name: lower-case letters, digits, {@code - _ .}. */
  static boolean isGrpcName(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')) {
        return false;
      }
    }
    return true;
  }

  /** gRPC's ASCII-Value: printable ASCII, space included. */
  static boolean isGrpcAsciiValue(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }
}
