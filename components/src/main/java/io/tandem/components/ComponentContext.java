package io.tandem.components;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;

/** What the runtime lends a component: identity, worker threads, environment. */
public interface ComponentContext {

  String appId();

  /** The Kubernetes namespace, or empty in standalone mode. */
  String namespace();

  /** Where blocking work (JDBC, file I/O) runs; never the event loop. */
  Executor blockingExecutor();

  /** The process environment, injectable so tests do not touch the real one. */
  Map<String, String> environment();

  /**
   * A runtime-wide object the component may share instead of creating its own, such as the
   * sidecar's {@code io.vertx.core.Vertx}: empty when the runtime offers none of that type, and
   * then the component creates (and closes) its own.
   */
  default <T> Optional<T> shared(Class<T> type) {
    return Optional.empty();
  }

  /** This context, offering {@code objects} through {@link #shared}. */
  default ComponentContext sharing(Object... objects) {
    ComponentContext base = this;
    List<Object> offered = List.of(objects);
    return new ComponentContext() {
      @Override
      public String appId() {
        return base.appId();
      }

      @Override
      public String namespace() {
        return base.namespace();
      }

      @Override
      public Executor blockingExecutor() {
        return base.blockingExecutor();
      }

      @Override
      public Map<String, String> environment() {
        return base.environment();
      }

      @Override
      public <T> Optional<T> shared(Class<T> type) {
        for (Object o : offered) {
          if (type.isInstance(o)) {
            return Optional.of(type.cast(o));
          }
        }
        return base.shared(type);
      }
    };
  }

  static ComponentContext of(
      String appId, String namespace, Executor blockingExecutor, Map<String, String> env) {
    return new ComponentContext() {
      @Override
      public String appId() {
        return appId;
      }

      @Override
      public String namespace() {
        return namespace;
      }

      @Override
      public Executor blockingExecutor() {
        return blockingExecutor;
      }

      @Override
      public Map<String, String> environment() {
        return env;
      }
    };
  }
}
