package io.tandem.crds;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the Subscription resources among the {@link Resources#others()} a {@link ResourceLoader}
 * kept, checking what each version requires: a name, {@code spec.pubsubname}, {@code spec.topic}
 * and at least one route.
 */
public final class Subscriptions {
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private Subscriptions() {}

  /** Every Subscription in {@code resources}, in load order, whatever its scopes. */
  public static List<Sourced<Subscription>> from(Resources resources) throws ResourceLoadException {
    List<Sourced<Subscription>> out = new ArrayList<>();
    for (Sourced<JsonNode> s : resources.others()) {
      if (Subscription.KIND.equals(s.resource().path("kind").asText())) {
        out.add(new Sourced<>(read(s), s.source()));
      }
    }
    return List.copyOf(out);
  }

  private static Subscription read(Sourced<JsonNode> s) throws ResourceLoadException {
    JsonNode doc = s.resource();
    String apiVersion = doc.path("apiVersion").asText("");
    String what = "Subscription " + doc.path("metadata").path("name").asText("(unnamed)");
    if (!apiVersion.equals(Subscription.V1ALPHA1) && !apiVersion.equals(Subscription.V2ALPHA1)) {
      throw new ResourceLoadException(
          s.source(),
          what
              + " has apiVersion "
              + apiVersion
              + "; expected "
              + Subscription.V1ALPHA1
              + " or "
              + Subscription.V2ALPHA1);
    }
    Subscription sub;
    try {
      sub = JSON.treeToValue(doc, Subscription.class);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new ResourceLoadException(
          s.source(), what + " is not a valid Subscription: " + e.getMessage(), e);
    }
    if (sub.name() == null || sub.name().isBlank()) {
      throw new ResourceLoadException(s.source(), "a Subscription has no metadata.name");
    }
    if (sub.spec() == null) {
      throw new ResourceLoadException(s.source(), what + " has no spec");
    }
    if (blank(sub.spec().pubsubName())) {
      throw new ResourceLoadException(s.source(), what + " has no spec.pubsubname");
    }
    if (blank(sub.spec().topic())) {
      throw new ResourceLoadException(s.source(), what + " has no spec.topic");
    }
    for (SubscriptionSpec.Rule r : sub.rules()) {
      if (r == null || blank(r.path())) {
        throw new ResourceLoadException(
            s.source(), what + " has a rule in spec.routes.rules without a path");
      }
    }
    if (sub.rules().isEmpty() && sub.defaultRoute().isBlank()) {
      throw new ResourceLoadException(
          s.source(),
          what
              + (apiVersion.equals(Subscription.V1ALPHA1)
                  ? " has no spec.route"
                  : " has neither spec.routes.rules nor spec.routes.default"));
    }
    return sub;
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
