package io.tandem.components.redis.pubsub;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What is wrong right now, by source (the shared connection pool, each subscription's reader), read
 * cheaply by {@link io.tandem.components.Component#trouble()}.
 */
final class Troubles {
  private final Map<String, String> bySource = new TreeMap<>();
  private volatile Optional<String> current = Optional.empty();

  void set(String source, String what) {
    synchronized (bySource) {
      if (what.equals(bySource.put(source, what))) {
        return;
      }
      refresh();
    }
  }

  void clear(String source) {
    synchronized (bySource) {
      if (bySource.remove(source) != null) {
        refresh();
      }
    }
  }

  boolean has(String source) {
    synchronized (bySource) {
      return bySource.containsKey(source);
    }
  }

  Optional<String> current() {
    return current;
  }

  private void refresh() {
    current =
        bySource.isEmpty()
            ? Optional.empty()
            : Optional.of(String.join("; ", new java.util.LinkedHashSet<>(bySource.values())));
  }
}
