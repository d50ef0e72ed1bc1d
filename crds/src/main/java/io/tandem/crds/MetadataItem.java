package io.tandem.crds;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * One {@code spec.metadata[]} entry: a name and either a literal value (any YAML scalar, kept as
 * text the way Dapr's DynamicValue does) or a reference to a secret.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record MetadataItem(String name, JsonNode value, SecretKeyRef secretKeyRef) {

  /** The literal value as text; {@code null} when the item has no value. */
  public String valueAsText() {
    if (value == null || value.isNull() || value.isMissingNode()) {
      return null;
    }
    return value.isValueNode() ? value.asText() : value.toString();
  }
}
