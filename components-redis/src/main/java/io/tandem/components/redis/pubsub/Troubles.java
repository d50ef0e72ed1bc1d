package io.tandem.components.redis.pubsub;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What is wrong with the subscriptions' readers right now, by subscription, read cheaply by {@link
 * RedisPubSub#trouble()} (which puts the pool's trouble, the {@link
 * io.tandem.components.redis.RedisLink}'s, first).
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
