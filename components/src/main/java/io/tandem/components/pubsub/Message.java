package io.tandem.components.pubsub;

import java.util.Map;

/**
 * A message delivered to a subscriber, as it was published.
 *
 * @param contentType the payload's media type when the broker carries it, else null
 * @param metadata the broker's metadata for this message (the publisher's request metadata for
 *     brokers that carry it)
 */
public record Message(String topic, byte[] data, String contentType, Map<String, String> metadata) {
  public Message {
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    data = data == null ? new byte[0] : data;
  }
}
