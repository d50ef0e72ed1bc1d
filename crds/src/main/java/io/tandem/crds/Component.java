package io.tandem.crds;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/** A {@code dapr.io/v1alpha1} Component resource. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Component(
    String apiVersion,
    String kind,
    ObjectMeta metadata,
    ComponentSpec spec,
    Auth auth,
    List<String> scopes) {

  public static final String KIND = "Component";

  public String name() {
    return metadata == null ? null : metadata.name();
  }

  /** True when the component has no scopes or names {@code appId} among them. */
  public boolean isInScope(String appId) {
    return scopes == null || scopes.isEmpty() || scopes.contains(appId);
  }

  public String secretStoreOrNull() {
    return auth == null || auth.secretStore() == null || auth.secretStore().isBlank()
        ? null
        : auth.secretStore();
  }
}
