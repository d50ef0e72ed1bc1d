package io.tandem.components.configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.components.ComponentContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every configuration store must do, run per store through a subclass. The Configuration API
 * is read-only, so the subclass also writes and deletes items straight in the backend ({@link
 * #write}, {@link #remove}), as an operator would. Keys are unique per test.
 */
public abstract class ConfigurationStoreConformance {
  private static final long WAIT_SECONDS = 10;

  protected ConfigurationStore store;
  protected ExecutorService workers;
  private String prefix;

  /** A new store, initialised with {@code context}; the suite closes it after the test. */
  protected abstract ConfigurationStore newStore(ComponentContext context) throws Exception;

  /** Writes {@code key} = {@code value} with {@code version} straight into the backend. */
  protected abstract void write(String key, String value, String version) throws Exception;

  /** Deletes {@code key} straight from the backend. */
  protected abstract void remove(String key) throws Exception;

  @BeforeEach
  void openStore() throws Exception {
    workers = Executors.newCachedThreadPool();
    prefix = "cfg-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    store = newStore(ComponentContext.of("conformance", "", workers, Map.of()));
  }

  @AfterEach
  void closeStore() throws Exception {
    try {
      if (store != null) {
        store.close();
      }
    } finally {
      workers.shutdownNow();
    }
  }

  protected String key(String name) {
    return prefix + name;
  }

  private Map<String, ConfigurationItem> get(List<String> keys) throws Exception {
    return store.get(keys, Map.of()).toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
  }

  private ConfigurationWatch subscribe(List<String> keys, ConfigurationListener listener)
      throws Exception {
    return store
        .subscribe(keys, Map.of(), listener)
        .toCompletableFuture()
        .get(WAIT_SECONDS, TimeUnit.SECONDS);
  }

  @Test
  void getReturnsTheValueAndVersionOfEachKey() throws Exception {
    write(key("a"), "alpha", "1");
    write(key("b"), "beta", "7");
    Map<String, ConfigurationItem> items = get(List.of(key("a"), key("b")));
    assertThat(items).containsOnlyKeys(key("a"), key("b"));
    assertThat(items.get(key("a")).value()).isEqualTo("alpha");
    assertThat(items.get(key("a")).version()).isEqualTo("1");
    assertThat(items.get(key("b")).value()).isEqualTo("beta");
    assertThat(items.get(key("b")).version()).isEqualTo("7");
  }

  @Test
  void missingKeysAreLeftOut() throws Exception {
    write(key("present"), "here", "1");
    assertThat(get(List.of(key("present"), key("absent")))).containsOnlyKeys(key("present"));
    assertThat(get(List.of(key("absent")))).isEmpty();
  }

  @Test
  void noKeysMeansEveryKey() throws Exception {
    write(key("x"), "1", "1");
    write(key("y"), "2", "1");
    assertThat(get(List.of())).containsKeys(key("x"), key("y"));
  }

  @Test
  void aSubscriberIsToldOfEachChangeOfItsKeys() throws Exception {
    write(key("watched"), "v1", "1");
    Map<String, ConfigurationItem> seen = new ConcurrentHashMap<>();
    try (ConfigurationWatch w = subscribe(List.of(key("watched")), seen::putAll)) {
      write(key("watched"), "v2", "2");
      await()
          .atMost(Duration.ofSeconds(WAIT_SECONDS))
          .until(
              () ->
                  seen.containsKey(key("watched"))
                      && seen.get(key("watched")).value().equals("v2"));
      assertThat(seen.get(key("watched")).version()).isEqualTo("2");
    }
  }

  @Test
  void aSubscriberHearsNothingOfOtherKeys() throws Exception {
    List<String> changed = new CopyOnWriteArrayList<>();
    try (ConfigurationWatch w =
        subscribe(List.of(key("mine")), items -> changed.addAll(items.keySet()))) {
      write(key("other"), "x", "1");
      write(key("mine"), "y", "1");
      await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> changed.contains(key("mine")));
      assertThat(changed).doesNotContain(key("other"));
    }
  }

  @Test
  void aSubscriptionToNoKeysHearsEveryKey() throws Exception {
    List<String> changed = new CopyOnWriteArrayList<>();
    try (ConfigurationWatch w = subscribe(List.of(), items -> changed.addAll(items.keySet()))) {
      write(key("any-1"), "x", "1");
      write(key("any-2"), "y", "1");
      await()
          .atMost(Duration.ofSeconds(WAIT_SECONDS))
          .until(() -> changed.containsAll(List.of(key("any-1"), key("any-2"))));
    }
  }

  @Test
  void aDeletedKeyIsReportedWithAnEmptyValue() throws Exception {
    write(key("doomed"), "v1", "1");
    Map<String, ConfigurationItem> seen = new ConcurrentHashMap<>();
    try (ConfigurationWatch w = subscribe(List.of(key("doomed")), seen::putAll)) {
      remove(key("doomed"));
      await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> seen.containsKey(key("doomed")));
      assertThat(seen.get(key("doomed")).value()).isEmpty();
    }
    assertThat(get(List.of(key("doomed")))).isEmpty();
  }

  @Test
  void afterCloseNoUpdateArrives() throws Exception {
    List<String> changed = new CopyOnWriteArrayList<>();
    ConfigurationWatch w =
        subscribe(List.of(key("closed")), items -> changed.addAll(items.keySet()));
    write(key("closed"), "before", "1");
    await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> !changed.isEmpty());
    w.close();
    int before = changed.size();
    write(key("closed"), "after", "2");
    // a sentinel watch proves the change was published before we look at the closed one
    List<String> sentinel = new CopyOnWriteArrayList<>();
    try (ConfigurationWatch s =
        subscribe(List.of(key("sentinel")), items -> sentinel.addAll(items.keySet()))) {
      write(key("closed"), "after-2", "3");
      write(key("sentinel"), "go", "1");
      await().atMost(Duration.ofSeconds(WAIT_SECONDS)).until(() -> !sentinel.isEmpty());
    }
    assertThat(changed).hasSize(before);
  }

  @Test
  void twoSubscriptionsEachHearTheChange() throws Exception {
    List<String> first = new CopyOnWriteArrayList<>();
    List<String> second = new CopyOnWriteArrayList<>();
    try (ConfigurationWatch a =
            subscribe(List.of(key("shared")), items -> first.addAll(items.keySet()));
        ConfigurationWatch b =
            subscribe(List.of(key("shared")), items -> second.addAll(items.keySet()))) {
      write(key("shared"), "v", "1");
      await()
          .atMost(Duration.ofSeconds(WAIT_SECONDS))
          .until(() -> !first.isEmpty() && !second.isEmpty());
    }
  }
}
