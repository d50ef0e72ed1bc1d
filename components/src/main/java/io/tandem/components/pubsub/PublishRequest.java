package io.tandem.components.pubsub;

import java.util.Map;

/**
 * One message to publish.
 *
 * @param data the payload: a CloudEvent as JSON, or the publisher's raw bytes
 * @param contentType the payload's media type, or null when unknown
 * @param metadata the request's metadata ({@code ttlInSeconds}, {@code rawPayload}, broker keys)
 */
public record PublishRequest(
    String topic, byte[] data, String contentType, Map<String, String> metadata) {
  public PublishRequest {
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    data = data == null ? new byte[0] : data;
  }
}
