package io.tandem.components.state;

import java.util.Map;

/**
 * A stored value. {@code metadata} carries {@link StateStore#TTL_EXPIRE_TIME} (RFC 3339) when the
 * item has a TTL, and nothing about TTL when it has none.
 */
public record GetResponse(byte[] data, String etag, Map<String, String> metadata) {
  public GetResponse {
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
  }
}
