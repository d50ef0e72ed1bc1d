package io.tandem.components.pubsub;

import java.util.Map;

/**
 * One entry of a bulk publish or of a batch delivered to a bulk subscriber.
 *
 * @param entryId unique within its request or batch
 */
public record BulkMessageEntry(
    String entryId, byte[] event, String contentType, Map<String, String> metadata) {
  public BulkMessageEntry {
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    event = event == null ? new byte[0] : event;
  }
}
