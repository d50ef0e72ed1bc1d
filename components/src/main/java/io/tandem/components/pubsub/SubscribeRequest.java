package io.tandem.components.pubsub;

import java.util.Map;

/**
 * What to subscribe to.
 *
 * @param metadata the subscription's metadata (broker keys, {@code rawPayload})
 */
public record SubscribeRequest(String topic, Map<String, String> metadata) {
  public SubscribeRequest {
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
  }
}
