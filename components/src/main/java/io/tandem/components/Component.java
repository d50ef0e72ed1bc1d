package io.tandem.components;

import java.util.Set;

/** A configured backend instance. One instance serves one Component resource. */
public interface Component extends AutoCloseable {

  /**
   * Connects and validates. Called once, on a worker thread, before any operation; may block up to
   * the resource's {@code initTimeout}. Throws {@link ComponentException} with a message naming the
   * bad metadata key when the configuration is wrong.
   */
  void init(ComponentMetadata metadata, ComponentContext context) throws Exception;

  /** The capabilities shown by the metadata API and checked by building blocks. */
  default Set<String> features() {
    return Set.of();
  }

  /** Releases connections and threads. Must be idempotent. */
  @Override
  default void close() throws Exception {}
}
