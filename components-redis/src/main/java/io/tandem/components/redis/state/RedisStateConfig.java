package io.tandem.components.redis.state;

import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.redis.RedisSettings;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The metadata of {@code state.redis}: the connection keys every Redis component shares ({@link
 * RedisSettings}) plus Dapr's state-only and timeout keys.
 *
 * @param defaultTtlSeconds {@code ttlInSeconds}: the TTL of a write that gives none; 0 for none
 * @param readTimeout {@code readTimeout} (3s): how long a read may take; {@code null} for no limit
 * @param writeTimeout {@code writeTimeout} (the read timeout): how long a write may take; {@code
 *     null} for no limit
 */
record RedisStateConfig(
    RedisSettings settings, int defaultTtlSeconds, Duration readTimeout, Duration writeTimeout) {

  static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(3);

  static RedisStateConfig from(ComponentMetadata md) {
    RedisSettings settings = RedisSettings.from(md);
    int ttl = md.getInt("ttlInSeconds", 0);
    if (ttl < -1) {
      throw ComponentException.invalid(
          "component " + md.name() + ": metadata 'ttlInSeconds' must be -1 or more, got " + ttl);
    }
    String indexes = md.get("queryIndexes", "");
    if (!indexes.isBlank()) {
      throw ComponentException.invalid(
          "component "
              + md.name()
              + ": metadata 'queryIndexes' is not supported: state.redis in Tandem has no query"
              + " API");
    }
    if (md.getBoolean("useEntraID", false) || md.getBoolean("useAzureAD", false)) {
      throw ComponentException.invalid(
          "component " + md.name() + ": metadata 'useEntraID' is not supported");
    }
    if (md.getBoolean("useOIDC", false)) {
      throw ComponentException.invalid(
          "component " + md.name() + ": metadata 'useOIDC' is not supported");
    }
    Duration read = timeout(md.getDuration("readTimeout", Duration.ZERO), DEFAULT_READ_TIMEOUT);
    Duration write =
        md.get("writeTimeout", "").isBlank()
            ? read
            : timeout(md.getDuration("writeTimeout", Duration.ZERO), read);
    return new RedisStateConfig(settings, Math.max(0, ttl), read, write);
  }

  /** Dapr's rule: zero means the default, a negative value means no limit. */
  private static Duration timeout(Duration given, Duration fallback) {
    if (given.isZero()) {
      return fallback;
    }
    return given.isNegative() ? null : given;
  }

  /** {@code text} with the password, if any, blotted out: for log lines and error messages. */
  String redact(String text) {
    String password = settings.password();
    if (text == null || password == null || password.isEmpty()) {
      return text;
    }
    String encoded = URLEncoder.encode(password, StandardCharsets.UTF_8).replace("+", "%20");
    return text.replace(password, "*****").replace(encoded, "*****");
  }

  @Override
  public String toString() {
    return settings
        + ", default ttl "
        + (defaultTtlSeconds > 0 ? defaultTtlSeconds + "s" : "none")
        + ", read timeout "
        + (readTimeout == null ? "none" : readTimeout)
        + ", write timeout "
        + (writeTimeout == null ? "none" : writeTimeout);
  }
}
