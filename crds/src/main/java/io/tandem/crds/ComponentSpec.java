package io.tandem.crds;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/** The {@code spec} of a Component: its type (such as {@code state.redis}) and settings. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ComponentSpec(
    String type,
    String version,
    Boolean ignoreErrors,
    String initTimeout,
    List<MetadataItem> metadata) {

  public List<MetadataItem> metadataOrEmpty() {
    return metadata == null ? List.of() : metadata;
  }

  public boolean ignoreErrorsOrDefault() {
    return ignoreErrors != null && ignoreErrors;
  }

  public String versionOrDefault() {
    return version == null || version.isBlank() ? "v1" : version;
  }
}
