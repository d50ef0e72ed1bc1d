package io.tandem.crds;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * A declarative pub/sub Subscription, {@code dapr.io/v1alpha1} (one {@code spec.route}) or {@code
 * dapr.io/v2alpha1} ({@code spec.routes} with CEL rules and a default). Read with {@link
 * Subscriptions#from}, which checks what each version requires.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Subscription(
    String apiVersion,
    String kind,
    ObjectMeta metadata,
    SubscriptionSpec spec,
    List<String> scopes) {

  public static final String KIND = "Subscription";
  public static final String V1ALPHA1 = "dapr.io/v1alpha1";
  public static final String V2ALPHA1 = "dapr.io/v2alpha1";

  public String name() {
    return metadata == null ? null : metadata.name();
  }

  /** True when the subscription has no scopes or names {@code appId} among them. */
  public boolean isInScope(String appId) {
    return scopes == null || scopes.isEmpty() || scopes.contains(appId);
  }

  /**
   * The routing rules tried in order: the v2 {@code routes.rules}. Empty for v1, whose single route
   * is {@link #defaultRoute()}.
   */
  public List<SubscriptionSpec.Rule> rules() {
    if (!V2ALPHA1.equals(apiVersion) || spec.routes() == null || spec.routes().rules() == null) {
      return List.of();
    }
    return spec.routes().rules();
  }

  /** The route used when no rule matches: v1 {@code spec.route}, v2 {@code spec.routes.default}. */
  public String defaultRoute() {
    if (V2ALPHA1.equals(apiVersion)) {
      return spec.routes() == null || spec.routes().defaultRoute() == null
          ? ""
          : spec.routes().defaultRoute();
    }
    return spec.route() == null ? "" : spec.route();
  }
}
