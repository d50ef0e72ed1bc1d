package io.tandem.sidecar.invoke;

import io.tandem.proto.internal.v1.Header;
import io.tandem.sidecar.appchannel.HopByHopHeaders;
import io.vertx.core.MultiMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Which headers travel with an invocation, and their conversions. */
final class Headers {
  static final String DAPR_APP_ID = "dapr-app-id";
  static final String CALLER_APP_ID = "dapr-caller-app-id";
  static final String CALLER_NAMESPACE = "dapr-caller-namespace";
  static final String CALLEE_APP_ID = "dapr-callee-app-id";
  static final String API_TOKEN = "dapr-api-token";
  static final String HTTP_STATUS = "dapr-http-status";

  /** Headers a caller must not choose: the sidecars set them. */
  private static final Set<String> RESERVED =
      Set.of(DAPR_APP_ID, API_TOKEN, CALLER_APP_ID, CALLER_NAMESPACE, CALLEE_APP_ID);

  private Headers() {}

  /** The caller's request headers that go on to the app. */
  static MultiMap requestHeaders(MultiMap incoming) {
    return HopByHopHeaders.strip(incoming, RESERVED);
  }

  /** The app's response headers that go back to the caller. */
  static MultiMap responseHeaders(MultiMap fromApp) {
    return HopByHopHeaders.strip(fromApp, Set.of());
  }

  static List<Header> toProto(MultiMap headers) {
    List<Header> out = new ArrayList<>(headers.size());
    for (Map.Entry<String, String> e : headers) {
      out.add(Header.newBuilder().setName(e.getKey()).setValue(e.getValue()).build());
    }
    return out;
  }

  static MultiMap fromProto(List<Header> headers) {
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    for (Header h : headers) {
      out.add(h.getName(), h.getValue());
    }
    return out;
  }
}
