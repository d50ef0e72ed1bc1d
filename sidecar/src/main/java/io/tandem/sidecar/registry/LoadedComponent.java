package io.tandem.sidecar.registry;

import io.tandem.components.Component;
import io.tandem.components.ComponentMetadata;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** A Component resource that initialised, with its instance and resolved metadata. */
public record LoadedComponent(
    String name,
    String type,
    String version,
    Component instance,
    ComponentMetadata metadata,
    Path source) {

  /** Capabilities as the metadata API lists them: the component's features plus ACTOR. */
  public Set<String> capabilities() {
    Set<String> caps = new TreeSet<>(instance.features());
    if (type.startsWith("state.") && isActorStateStore()) {
      caps.add("ACTOR");
    }
    return caps;
  }

  /**
   * The component's own report of what is wrong with its backend, or empty while it is fine. A
   * component whose report throws counts as in trouble, with that failure as the message.
   */
  public Optional<String> trouble() {
    try {
      Optional<String> t = instance.trouble();
      return t == null ? Optional.empty() : t.filter(s -> !s.isBlank());
    } catch (RuntimeException e) {
      return Optional.of("cannot tell its health: " + e);
    }
  }

  public boolean isActorStateStore() {
    String v = metadata.get("actorStateStore");
    return v != null && v.trim().equalsIgnoreCase("true");
  }
}
