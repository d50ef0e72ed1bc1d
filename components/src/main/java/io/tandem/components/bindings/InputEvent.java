package io.tandem.components.bindings;

import java.util.Map;

/**
 * One event read from an input binding.
 *
 * @param data the payload, empty when the event carries none (a schedule)
 * @param metadata the binding's event metadata (Dapr's keys: {@code readTimeUTC}, message headers,
 *     topic, partition...); sent to the app as HTTP headers or gRPC metadata
 */
public record InputEvent(byte[] data, Map<String, String> metadata) {
  public InputEvent {
    data = data == null ? new byte[0] : data;
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
  }
}
