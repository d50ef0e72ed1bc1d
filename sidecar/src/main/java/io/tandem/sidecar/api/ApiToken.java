package io.tandem.sidecar.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The {@code DAPR_API_TOKEN} check, shared by both transports. Both sides are hashed before the
 * constant-time comparison, so neither the content nor the length of the token leaks through
 * timing.
 */
public final class ApiToken {
  public static final String HEADER = "dapr-api-token";

  private final byte[] expectedDigest; // null: no token configured, everything is allowed

  public ApiToken(String token) {
    this.expectedDigest = token == null || token.isEmpty() ? null : sha256(token);
  }

  public boolean enabled() {
    return expectedDigest != null;
  }

  /** True when no token is configured, or {@code presented} matches it. */
  public boolean accepts(String presented) {
    if (expectedDigest == null) {
      return true;
    }
    if (presented == null) {
      return false;
    }
    return MessageDigest.isEqual(expectedDigest, sha256(presented));
  }

  public static ApiException rejected() {
    return ApiError.UNAUTHORIZED.exception("authentication error: invalid or missing api token");
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java runtime", e);
    }
  }
}
