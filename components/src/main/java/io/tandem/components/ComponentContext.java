package io.tandem.components;

import java.util.Map;
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
