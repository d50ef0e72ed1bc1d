package io.tandem.crds;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * Everything read from the resources paths. Kinds a later building block consumes (Subscription,
 * Resiliency, HTTPEndpoint) are kept as trees in {@link #others()}.
 */
public record Resources(
    List<Sourced<Component>> components,
    List<Sourced<Configuration>> configurations,
    List<Sourced<JsonNode>> others) {

  public static Resources empty() {
    return new Resources(List.of(), List.of(), List.of());
  }
}
