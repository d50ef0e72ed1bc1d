package io.tandem.sidecar.appchannel;

import io.vertx.core.MultiMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Headers that describe one connection and are never passed on from one hop to the next: RFC 7230's
 * hop-by-hop headers, those a {@code Connection} header nominates, and HTTP/2 pseudo-headers. One
 * list for every place that forwards headers, so they cannot disagree.
 */
public final class HopByHopHeaders {
  private static final Set<String> HOP_BY_HOP =
      Set.of(
          "connection",
          "keep-alive",
          "proxy-connection",
          "proxy-authenticate",
          "proxy-authorization",
          "te",
          "trailer",
          "transfer-encoding",
          "upgrade",
          "http2-settings",
          "host",
          "expect");

  private HopByHopHeaders() {}

  /** A copy of {@code headers} without the hop-by-hop ones, nor any named in {@code also}. */
  public static MultiMap strip(MultiMap headers, Set<String> also) {
    Set<String> nominated = connectionNominated(headers);
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    for (Map.Entry<String, String> e : headers) {
      String name = e.getKey().toLowerCase(Locale.ROOT);
      if (!HOP_BY_HOP.contains(name)
          && !also.contains(name)
          && !nominated.contains(name)
          && !name.startsWith(":")) {
        out.add(e.getKey(), e.getValue());
      }
    }
    return out;
  }

  private static Set<String> connectionNominated(MultiMap headers) {
    Set<String> out = new HashSet<>();
    for (String v : headers.getAll("connection")) {
      for (String token : v.split(",")) {
        String t = token.trim().toLowerCase(Locale.ROOT);
        if (!t.isEmpty()) {
          out.add(t);
        }
      }
    }
    return out;
  }
}
