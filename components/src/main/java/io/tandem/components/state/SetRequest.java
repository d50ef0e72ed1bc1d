package io.tandem.components.state;

import java.util.Map;

/**
 * A write. {@code etag} is null when none was given. {@code metadata} may carry {@link
 * StateStore#TTL_IN_SECONDS}.
 */
public record SetRequest(
    String key, byte[] value, String etag, Map<String, String> metadata, StateOptions options) {
  public SetRequest {
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    options = options == null ? StateOptions.DEFAULT : options;
  }

  public static SetRequest of(String key, byte[] value) {
    return new SetRequest(key, value, null, Map.of(), StateOptions.DEFAULT);
  }

  public boolean hasEtag() {
    return etag != null && !etag.isEmpty();
  }
}
