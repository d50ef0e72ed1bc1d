package io.tandem.sidecar.fakes;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentFactory;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.configuration.ConfigurationItem;
import io.tandem.components.configuration.ConfigurationListener;
import io.tandem.components.configuration.ConfigurationStore;
import io.tandem.components.configuration.ConfigurationWatch;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * {@code configuration.fake}: items in memory, written by the test with {@link #write}, watches
 * notified at once on the writing thread. Failures and trouble are set by the test.
 */
public final class FakeConfigurationStore implements ConfigurationStore {
  public static final String TYPE = "configuration.fake";

  public final Map<String, ConfigurationItem> items = new ConcurrentHashMap<>();
  public final List<Watch> watches = new CopyOnWriteArrayList<>();
  public volatile RuntimeException failGet;
  public volatile RuntimeException failSubscribe;
  public volatile String trouble;

  /** Set to hold subscriptions pending until the test completes it. */
  public volatile CompletableFuture<Void> subscribeGate;

  public Map<String, String> lastMetadata = Map.of();

  /** A watch the store keeps until it is closed. */
  public final class Watch implements ConfigurationWatch {
    public final List<String> keys;
    final ConfigurationListener listener;
    public volatile boolean closed;

    Watch(List<String> keys, ConfigurationListener listener) {
      this.keys = List.copyOf(keys);
      this.listener = listener;
    }

    void tell(String key, ConfigurationItem item) {
      if (!closed && (keys.isEmpty() || keys.contains(key))) {
        listener.onUpdate(Map.of(key, item));
      }
    }

    @Override
    public void close() {
      closed = true;
      watches.remove(this);
    }
  }

  @Override
  public void init(ComponentMetadata metadata, ComponentContext context) {}

  @Override
  public Optional<String> trouble() {
    return Optional.ofNullable(trouble);
  }

  public void write(String key, String value, String version) {
    ConfigurationItem item = new ConfigurationItem(value, version, Map.of());
    items.put(key, item);
    watches.forEach(w -> w.tell(key, item));
  }

  public void delete(String key) {
    items.remove(key);
    watches.forEach(w -> w.tell(key, new ConfigurationItem("", "", Map.of())));
  }

  /** Tells the watches of {@code key} without storing anything (an update racing the set-up). */
  public void notifyOnly(String key, String value, String version) {
    for (Watch w : watches) {
      w.tell(key, new ConfigurationItem(value, version, Map.of()));
    }
  }

  @Override
  public CompletionStage<Map<String, ConfigurationItem>> get(
      List<String> keys, Map<String, String> metadata) {
    lastMetadata = Map.copyOf(metadata);
    if (failGet != null) {
      return CompletableFuture.failedFuture(failGet);
    }
    Map<String, ConfigurationItem> out = new HashMap<>();
    items.forEach(
        (k, v) -> {
          if (keys.isEmpty() || keys.contains(k)) {
            out.put(k, v);
          }
        });
    return CompletableFuture.completedFuture(out);
  }

  @Override
  public CompletionStage<ConfigurationWatch> subscribe(
      List<String> keys, Map<String, String> metadata, ConfigurationListener listener) {
    if (failSubscribe != null) {
      return CompletableFuture.failedFuture(failSubscribe);
    }
    Watch w = new Watch(keys, listener);
    watches.add(w);
    CompletableFuture<Void> gate = subscribeGate;
    if (gate == null) {
      return CompletableFuture.completedFuture(w);
    }
    return gate.thenApply(v -> w);
  }

  /** The factory, which hands out the instances it created so tests can drive them. */
  public static final class Factory implements ComponentFactory {
    public final List<FakeConfigurationStore> created = new CopyOnWriteArrayList<>();

    @Override
    public String type() {
      return TYPE;
    }

    @Override
    public FakeConfigurationStore create() {
      FakeConfigurationStore s = new FakeConfigurationStore();
      created.add(s);
      return s;
    }
  }
}
