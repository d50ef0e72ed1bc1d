package io.tandem.components;

import java.util.Optional;
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

  /**
   * What is wrong with the backend right now, or empty while it is healthy: for example "connection
   * refused by 127.0.0.1:6379, reconnecting". A component that reconnects on its own reports here
   * while it is cut off, so that {@code /v1.0/healthz} and the metadata API can show it. Must be
   * cheap and non-blocking: it is read on the event loop, on every health probe.
   */
  default Optional<String> trouble() {
    return Optional.empty();
  }

  /** Releases connections and threads. Must be idempotent. */
  @Override
  default void close() throws Exception {}
}
