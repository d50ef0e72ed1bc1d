package io.tandem.components.bindings;

import java.util.Map;

/**
 * What an output binding answered: the payload, and metadata the sidecar returns to the app (as
 * {@code metadata.<key>} HTTP headers, or in the gRPC response).
 */
public record InvokeResponse(byte[] data, Map<String, String> metadata) {
  public InvokeResponse {
    data = data == null ? new byte[0] : data;
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
  }
}
