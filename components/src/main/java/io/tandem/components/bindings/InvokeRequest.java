package io.tandem.components.bindings;

import java.util.Map;

/**
 * One output binding call.
 *
 * @param operation one of the binding's {@link OutputBinding#operations()}
 * @param data the payload as the app sent it (over HTTP: the JSON encoding of the {@code data}
 *     field); empty when none
 * @param metadata per-call metadata, binding-specific ({@code path}, {@code key}, {@code sql}...)
 */
public record InvokeRequest(String operation, byte[] data, Map<String, String> metadata) {
  public InvokeRequest {
    data = data == null ? new byte[0] : data;
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
  }
}
