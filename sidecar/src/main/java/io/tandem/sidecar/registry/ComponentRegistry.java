package io.tandem.sidecar.registry;

import io.tandem.components.Component;
import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentFactory;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.Durations;
import io.tandem.components.configuration.ConfigurationStore;
import io.tandem.components.lock.LockStore;
import io.tandem.components.secrets.SecretStore;
import io.tandem.components.state.StateStore;
import io.tandem.crds.MetadataItem;
import io.tandem.crds.Sourced;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates components from Component resources through the factories found by {@link ServiceLoader},
 * keyed by {@code type} and {@code version}, and holds them by name.
 *
 * <p>Loading honours {@code scopes}, resolves {@code secretKeyRef} through {@code auth.secretStore}
 * (secret stores load first for that reason), bounds each init by {@code initTimeout}, and either
 * fails the whole load with a message naming the file, or, when the resource sets {@code
 * ignoreErrors}, logs and skips that component.
 */
public final class ComponentRegistry implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger("tandem.sidecar.registry");
  private static final Duration DEFAULT_INIT_TIMEOUT = Duration.ofSeconds(5);

  private final Map<String, ComponentFactory> factories;
  private final ComponentContext context;
  private final Map<String, LoadedComponent> byName = new LinkedHashMap<>();
  private final List<String> skipped = new ArrayList<>();

  public ComponentRegistry(ComponentContext context) {
    this(context, discoverFactories());
  }

  public ComponentRegistry(ComponentContext context, Map<String, ComponentFactory> factories) {
    this.context = context;
    this.factories = Map.copyOf(factories);
  }

  /** Every factory on the class path, by {@code type}. */
  public static Map<String, ComponentFactory> discoverFactories() {
    Map<String, ComponentFactory> found = new HashMap<>();
    for (ComponentFactory f : ServiceLoader.load(ComponentFactory.class)) {
      ComponentFactory previous = found.putIfAbsent(f.type(), f);
      if (previous != null) {
        throw new IllegalStateException(
            "two factories for component type "
                + f.type()
                + ": "
                + previous.getClass().getName()
                + " and "
                + f.getClass().getName());
      }
    }
    return found;
  }

  /**
   * Loads the resources in scope for this app. Secret stores first, so the others can resolve their
   * secret references.
   */
  public void loadAll(List<Sourced<io.tandem.crds.Component>> resources)
      throws ComponentLoadException {
    List<Sourced<io.tandem.crds.Component>> inScope = new ArrayList<>();
    for (Sourced<io.tandem.crds.Component> s : resources) {
      if (s.resource().isInScope(context.appId())) {
        inScope.add(s);
      } else {
        log.info(
            "component {} is not scoped to app {}: skipped", s.resource().name(), context.appId());
      }
    }
    List<Sourced<io.tandem.crds.Component>> ordered = new ArrayList<>();
    inScope.stream().filter(s -> isSecretStore(s.resource())).forEach(ordered::add);
    inScope.stream().filter(s -> !isSecretStore(s.resource())).forEach(ordered::add);
    for (Sourced<io.tandem.crds.Component> s : ordered) {
      load(s);
    }
  }

  private static boolean isSecretStore(io.tandem.crds.Component c) {
    return c.spec().type().startsWith("secretstores.");
  }

  private void load(Sourced<io.tandem.crds.Component> sourced) throws ComponentLoadException {
    io.tandem.crds.Component resource = sourced.resource();
    String name = resource.name();
    String type = resource.spec().type();
    String version = resource.spec().versionOrDefault();
    String where = "component " + name + " (" + type + "/" + version + ") in " + sourced.source();
    try {
      if (byName.containsKey(name)) {
        throw new IllegalArgumentException(
            "a component named " + name + " is already defined in " + byName.get(name).source());
      }
      ComponentFactory factory = factories.get(type);
      if (factory == null) {
        throw new IllegalArgumentException("unknown component type " + type);
      }
      if (!factory.versions().contains(version)) {
        throw new IllegalArgumentException(
            "component type "
                + type
                + " has no version "
                + version
                + "; known: "
                + factory.versions());
      }
      ComponentMetadata metadata = new ComponentMetadata(name, resolveMetadata(resource));
      Duration timeout = initTimeout(resource);
      Component instance = factory.create();
      initWithTimeout(instance, metadata, timeout);
      byName.put(
          name, new LoadedComponent(name, type, version, instance, metadata, sourced.source()));
      log.info("component loaded: {} ({}/{})", name, type, version);
    } catch (Exception e) {
      String problem = rootMessage(e);
      if (resource.spec().ignoreErrorsOrDefault()) {
        log.warn("{}: {} (ignoreErrors is set: continuing without it)", where, problem);
        skipped.add(name);
        return;
      }
      throw new ComponentLoadException(where + ": " + problem, e);
    }
  }

  private Map<String, String> resolveMetadata(io.tandem.crds.Component resource) throws Exception {
    Map<String, String> out = new LinkedHashMap<>();
    for (MetadataItem item : resource.spec().metadataOrEmpty()) {
      if (item.secretKeyRef() != null) {
        String storeName = resource.secretStoreOrNull();
        if (storeName == null) {
          throw new IllegalArgumentException(
              "metadata "
                  + item.name()
                  + " references secret "
                  + item.secretKeyRef().name()
                  + " but auth.secretStore is not set");
        }
        SecretStore store =
            secretStore(storeName)
                .orElseThrow(
                    () ->
                        new IllegalArgumentException(
                            "metadata "
                                + item.name()
                                + " references secret store "
                                + storeName
                                + ", which is not loaded"));
        String secretName = item.secretKeyRef().name();
        String key =
            item.secretKeyRef().key() == null || item.secretKeyRef().key().isBlank()
                ? secretName
                : item.secretKeyRef().key();
        Map<String, String> secret;
        try {
          secret =
              store.getSecret(secretName, Map.of()).toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          throw new IllegalArgumentException(
              "metadata "
                  + item.name()
                  + ": cannot read secret "
                  + secretName
                  + " from "
                  + storeName
                  + ": "
                  + rootMessage(e));
        }
        String value = secret.get(key);
        if (value == null) {
          throw new IllegalArgumentException(
              "metadata " + item.name() + ": secret " + secretName + " has no key " + key);
        }
        out.put(item.name(), value);
      } else {
        String v = item.valueAsText();
        out.put(item.name(), v == null ? "" : v);
      }
    }
    return out;
  }

  private static Duration initTimeout(io.tandem.crds.Component resource) {
    String t = resource.spec().initTimeout();
    if (t == null || t.isBlank()) {
      return DEFAULT_INIT_TIMEOUT;
    }
    try {
      return Durations.parse(t);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("initTimeout is not a duration: " + t);
    }
  }

  private void initWithTimeout(Component instance, ComponentMetadata metadata, Duration timeout)
      throws Exception {
    CompletableFuture<Void> init =
        CompletableFuture.runAsync(
            () -> {
              try {
                instance.init(metadata, context);
              } catch (RuntimeException e) {
                throw e;
              } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
              }
            },
            context.blockingExecutor());
    try {
      init.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      init.cancel(true);
      closeQuietly(instance);
      throw new IllegalStateException("init did not finish within initTimeout " + timeout);
    } catch (ExecutionException e) {
      closeQuietly(instance);
      throw e.getCause() instanceof Exception ex ? ex : e;
    }
  }

  /**
   * Components that failed to load but set {@code ignoreErrors}, so the sidecar runs without them.
   */
  public List<String> skipped() {
    return List.copyOf(skipped);
  }

  public Optional<LoadedComponent> get(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  public Collection<LoadedComponent> all() {
    return byName.values();
  }

  public Optional<StateStore> stateStore(String name) {
    LoadedComponent c = byName.get(name);
    return c != null && c.instance() instanceof StateStore s ? Optional.of(s) : Optional.empty();
  }

  public Optional<SecretStore> secretStore(String name) {
    LoadedComponent c = byName.get(name);
    return c != null && c.instance() instanceof SecretStore s ? Optional.of(s) : Optional.empty();
  }

  public Optional<ConfigurationStore> configurationStore(String name) {
    LoadedComponent c = byName.get(name);
    return c != null && c.instance() instanceof ConfigurationStore s
        ? Optional.of(s)
        : Optional.empty();
  }

  public Optional<LockStore> lockStore(String name) {
    LoadedComponent c = byName.get(name);
    return c != null && c.instance() instanceof LockStore s ? Optional.of(s) : Optional.empty();
  }

  /**
   * What is wrong with the components right now, in load order: one entry per component that
   * reports trouble. Cheap: each component answers from memory.
   */
  public List<ComponentTrouble> troubles() {
    List<ComponentTrouble> out = new ArrayList<>();
    for (LoadedComponent c : byName.values()) {
      c.trouble().ifPresent(t -> out.add(new ComponentTrouble(c.name(), c.type(), t)));
    }
    return out;
  }

  public long count(Class<? extends Component> kind) {
    return byName.values().stream().filter(c -> kind.isInstance(c.instance())).count();
  }

  @Override
  public void close() {
    List<LoadedComponent> reversed = new ArrayList<>(byName.values());
    java.util.Collections.reverse(reversed);
    for (LoadedComponent c : reversed) {
      closeQuietly(c.instance());
    }
    byName.clear();
  }

  private static void closeQuietly(Component c) {
    try {
      c.close();
    } catch (Exception e) {
      log.warn("closing component failed: {}", e.toString());
    }
  }

  static String rootMessage(Throwable t) {
    Throwable c = t;
    while ((c instanceof ExecutionException
            || c instanceof java.util.concurrent.CompletionException)
        && c.getCause() != null) {
      c = c.getCause();
    }
    String m = c.getMessage();
    return m == null ? c.getClass().getSimpleName() : m;
  }
}
