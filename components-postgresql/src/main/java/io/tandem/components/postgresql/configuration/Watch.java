package io.tandem.components.postgresql.configuration;

import io.tandem.components.configuration.ConfigurationItem;
import io.tandem.components.configuration.ConfigurationListener;
import io.tandem.components.configuration.ConfigurationWatch;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;

/** One subscription: its channel, its keys (none: every key), its listener. */
final class Watch implements ConfigurationWatch {
  private final String channel;
  private final Set<String> keys;
  private final ConfigurationListener listener;
  private final Consumer<Watch> onClose;
  private final Logger log;
  private boolean closed;

  Watch(
      String channel,
      List<String> keys,
      ConfigurationListener listener,
      Consumer<Watch> onClose,
      Logger log) {
    this.channel = channel;
    this.keys = Set.copyOf(keys);
    this.listener = listener;
    this.onClose = onClose;
    this.log = log;
  }

  String channel() {
    return channel;
  }

  Set<String> keys() {
    return keys;
  }

  boolean wants(String key) {
    return keys.isEmpty() || keys.contains(key);
  }

  /** Passes on the items this watch wants; nothing once closed. */
  void deliver(Map<String, ConfigurationItem> items) {
    Map<String, ConfigurationItem> mine = new LinkedHashMap<>();
    items.forEach(
        (k, v) -> {
          if (wants(k)) {
            mine.put(k, v);
          }
        });
    if (mine.isEmpty()) {
      return;
    }
    // under the lock, so that once close() returned no update starts
    synchronized (this) {
      if (closed) {
        return;
      }
      try {
        listener.onUpdate(mine);
      } catch (RuntimeException e) {
        log.warn("a configuration listener failed: {}", e.toString());
      }
    }
  }

  synchronized boolean isClosed() {
    return closed;
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    onClose.accept(this);
  }
}
