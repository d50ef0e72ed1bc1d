package io.tandem.components.bindings.http;

import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The resolved metadata of a {@code bindings.http} component, Dapr's keys and defaults.
 *
 * @param url the base URL ({@code url}, required, http or https)
 * @param maxResponseBodySize bytes of a response body kept ({@code maxResponseBodySize}, default
 *     100Mi); the rest is read and discarded, as Dapr does. 0 or less: no limit
 * @param securityToken sent in {@code securityTokenHeader} when both are set
 * @param errorIfNot2XX whether a non-2xx status fails the call (default true); a call's own {@code
 *     errorIfNot2XX} metadata overrides it
 * @param responseTimeout how long to wait for the response ({@code responseTimeout}); null: no
 *     limit
 */
record HttpBindingConfig(
    URI url,
    long maxResponseBodySize,
    String securityToken,
    String securityTokenHeader,
    boolean errorIfNot2XX,
    Duration responseTimeout) {

  static final long DEFAULT_MAX_RESPONSE_BODY_SIZE = 100L << 20;

  /** TLS settings Dapr accepts that this binding does not implement yet: refused, never ignored. */
  private static final List<String> UNSUPPORTED =
      List.of("MTLSRootCA", "MTLSClientCert", "MTLSClientKey", "MTLSRenegotiation");

  static HttpBindingConfig from(ComponentMetadata md) {
    String name = md.name();
    String rawUrl = md.required("url").trim();
    URI url;
    try {
      url = new URI(rawUrl);
    } catch (URISyntaxException e) {
      throw ComponentException.invalid(
          "component " + name + ": metadata 'url' is not a URL: " + rawUrl);
    }
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || url.getHost() == null) {
      throw ComponentException.invalid(
          "component " + name + ": metadata 'url' must be an absolute http(s) URL: " + rawUrl);
    }
    for (String key : UNSUPPORTED) {
      String v = md.get(key);
      if (v != null && !v.isBlank()) {
        throw ComponentException.invalid(
            "component "
                + name
                + ": metadata '"
                + key
                + "' (mTLS) is not supported by this build of bindings.http; trust the server's"
                + " certificate through the JVM trust store instead");
      }
    }
    long max = DEFAULT_MAX_RESPONSE_BODY_SIZE;
    String maxText = md.get("maxResponseBodySize");
    if (maxText != null && !maxText.isBlank()) {
      try {
        max = ByteSize.parse(maxText);
      } catch (IllegalArgumentException e) {
        throw ComponentException.invalid(
            "component "
                + name
                + ": metadata 'maxResponseBodySize' is not a size (e.g. 100Mi, 20Ki, 200): "
                + maxText);
      }
    }
    Duration timeout = md.getDuration("responseTimeout", null);
    if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
      timeout = null;
    }
    return new HttpBindingConfig(
        url,
        max,
        blankToNull(md.get("securityToken")),
        blankToNull(md.get("securityTokenHeader")),
        md.getBoolean("errorIfNot2XX", true),
        timeout);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
