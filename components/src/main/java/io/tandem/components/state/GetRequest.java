package io.tandem.components.state;

import java.util.Map;

public record GetRequest(String key, Map<String, String> metadata, Consistency consistency) {
  public GetRequest {
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    consistency = consistency == null ? Consistency.UNSPECIFIED : consistency;
  }

  public static GetRequest of(String key) {
    return new GetRequest(key, Map.of(), Consistency.UNSPECIFIED);
  }
}
