package io.tandem.components.state;

import io.tandem.components.ComponentException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.OptionalLong;

/** The {@code ttlInSeconds} rules every store shares. */
public final class StateTtl {
  private static final DateTimeFormatter RFC3339 =
      DateTimeFormatter.ISO_OFFSET_DATE_TIME.withZone(ZoneOffset.UTC);

  private StateTtl() {}

  /**
   * The TTL requested, if any. Absent, empty, or -1 means the item never expires (and an existing
   * TTL is removed); 0 means no TTL too. A value that is not an integer, is below -1, or is above
   * {@link Integer#MAX_VALUE} seconds is refused, as Dapr refuses it.
   */
  public static OptionalLong parse(Map<String, String> metadata) {
    String v = metadata.get(StateStore.TTL_IN_SECONDS);
    if (v == null || v.isEmpty()) {
      return OptionalLong.empty();
    }
    long ttl;
    try {
      ttl = Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw ComponentException.invalid(
          "incorrect value for metadata '" + StateStore.TTL_IN_SECONDS + "': " + v);
    }
    if (ttl < -1 || ttl > Integer.MAX_VALUE) {
      throw ComponentException.invalid(
          "incorrect value for metadata '"
              + StateStore.TTL_IN_SECONDS
              + "': must be between -1 and "
              + Integer.MAX_VALUE
              + ", got "
              + ttl);
    }
    return ttl <= 0 ? OptionalLong.empty() : OptionalLong.of(ttl);
  }

  /** Epoch millis of expiry for a TTL parsed from {@code metadata}, or 0 for none. */
  public static long expiryMillis(Map<String, String> metadata, long nowMillis) {
    OptionalLong ttl = parse(metadata);
    return ttl.isPresent() ? nowMillis + ttl.getAsLong() * 1000L : 0L;
  }

  /** Response metadata for an item expiring at {@code expiryMillis} (0 for none). */
  public static Map<String, String> responseMetadata(long expiryMillis) {
    if (expiryMillis <= 0) {
      return Map.of();
    }
    return Map.of(StateStore.TTL_EXPIRE_TIME, RFC3339.format(Instant.ofEpochMilli(expiryMillis)));
  }
}
