package io.tandem.components.state;

import java.util.Map;

/** A delete; deleting a missing key without an ETag succeeds. */
public record DeleteRequest(
    String key, String etag, Map<String, String> metadata, StateOptions options) {
  public DeleteRequest {
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    options = options == null ? StateOptions.DEFAULT : options;
  }

  public static DeleteRequest of(String key) {
    return new DeleteRequest(key, null, Map.of(), StateOptions.DEFAULT);
  }

  public boolean hasEtag() {
    return etag != null && !etag.isEmpty();
  }
}
