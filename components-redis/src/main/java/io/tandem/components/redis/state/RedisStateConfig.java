package io.tandem.components.redis.state;

import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.redis.RedisSettings;
import java.time.Duration;

/**
 * The metadata of {@code state.redis}: the connection keys every Redis component shares ({@link
 * RedisSettings}, timeouts included) plus Dapr's state-only keys.
 *
 * @param defaultTtlSeconds {@code ttlInSeconds}: the TTL of a write that gives none; 0 for none
 */
record RedisStateConfig(RedisSettings settings, int defaultTtlSeconds) {

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
    return new RedisStateConfig(settings, Math.max(0, ttl));
  }

  /** {@code readTimeout}: how long a read may take; {@code null} for no limit. */
  Duration readTimeout() {
    return settings.readTimeout();
  }

  /**
   * {@code writeTimeout}: how long a save, a delete or a transaction may take; {@code null}: none.
   */
  Duration writeTimeout() {
    return settings.writeTimeout();
  }

  /** {@code text} with the password, if any, blotted out: for log lines and error messages. */
  String redact(String text) {
    return settings.redact(text);
  }

  @Override
  public String toString() {
    return settings
        + ", default ttl "
        + (defaultTtlSeconds > 0 ? defaultTtlSeconds + "s" : "none")
        + ", read timeout "
        + (readTimeout() == null ? "none" : readTimeout())
        + ", write timeout "
        + (writeTimeout() == null ? "none" : writeTimeout());
  }
}
