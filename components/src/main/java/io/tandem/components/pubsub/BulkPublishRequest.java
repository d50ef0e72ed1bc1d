package io.tandem.components.pubsub;

import java.util.List;
import java.util.Map;

/**
 * Several messages for one topic. An entry's own metadata, when it has any, already includes the
 * request's (the sidecar merges them, the entry winning).
 */
public record BulkPublishRequest(
    String topic, List<BulkMessageEntry> entries, Map<String, String> metadata) {
  public BulkPublishRequest {
    entries = List.copyOf(entries);
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
  }
}
