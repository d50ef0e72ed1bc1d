package io.tandem.sidecar.pubsub;

import io.tandem.components.pubsub.PubSub;
import io.tandem.sidecar.registry.ComponentRegistry;
import io.tandem.sidecar.registry.LoadedComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The loaded pub/sub components, each with this app's topic scopes. */
public final class PubSubs {
  /** A pub/sub component by name, with the topics this app may use on it. */
  public record Target(String name, PubSub pubsub, TopicScopes scopes) {}

  private final ComponentRegistry registry;
  private final String appId;
  private final Map<String, Target> targets = new ConcurrentHashMap<>();

  public PubSubs(ComponentRegistry registry, String appId) {
    this.registry = registry;
    this.appId = appId;
  }

  public Optional<Target> get(String name) {
    Target cached = targets.get(name);
    if (cached != null) {
      return Optional.of(cached);
    }
    return registry
        .get(name)
        .filter(c -> c.instance() instanceof PubSub)
        .map(c -> targets.computeIfAbsent(name, n -> target(c)));
  }

  /** Whether any pub/sub component is loaded. */
  public boolean any() {
    return registry.count(PubSub.class) > 0;
  }

  public List<Target> all() {
    List<Target> out = new ArrayList<>();
    for (LoadedComponent c : registry.all()) {
      if (c.instance() instanceof PubSub) {
        get(c.name()).ifPresent(out::add);
      }
    }
    return out;
  }

  private Target target(LoadedComponent c) {
    return new Target(
        c.name(), (PubSub) c.instance(), TopicScopes.of(appId, c.metadata().properties()));
  }
}
