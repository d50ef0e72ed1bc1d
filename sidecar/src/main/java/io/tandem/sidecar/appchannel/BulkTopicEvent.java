package io.tandem.sidecar.appchannel;

import java.util.List;
import java.util.Map;

/**
 * Several messages of one topic delivered together (bulk subscribe). Each entry has an id the app
 * answers per entry.
 */
public record BulkTopicEvent(
    String pubsubName,
    String topic,
    String route,
    List<Entry> entries,
    Map<String, String> metadata) {

  /**
   * @param event the CloudEvent JSON bytes, or the raw payload when {@code raw}
   */
  public record Entry(
      String entryId,
      byte[] event,
      String contentType,
      boolean raw,
      Map<String, String> metadata) {}
}
