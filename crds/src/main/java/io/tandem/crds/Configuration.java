package io.tandem.crds;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * A {@code dapr.io/v1alpha1} Configuration resource. The spec is kept as a tree: each building
 * block reads the part it owns.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Configuration(String apiVersion, String kind, ObjectMeta metadata, JsonNode spec) {

  public static final String KIND = "Configuration";

  public String name() {
    return metadata == null ? null : metadata.name();
  }
}
