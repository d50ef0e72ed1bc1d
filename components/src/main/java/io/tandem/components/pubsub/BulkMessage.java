package io.tandem.components.pubsub;

import java.util.List;
import java.util.Map;

/** A batch of one topic's messages for a bulk subscriber. */
public record BulkMessage(
    String topic, List<BulkMessageEntry> entries, Map<String, String> metadata) {
  public BulkMessage {
    entries = List.copyOf(entries);
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
  }
}
