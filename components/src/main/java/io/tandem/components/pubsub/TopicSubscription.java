package io.tandem.components.pubsub;

/** A running subscription. Closing it stops deliveries; messages not yet acknowledged stay due. */
@FunctionalInterface
public interface TopicSubscription extends AutoCloseable {
  /** Stops delivering. Idempotent. */
  @Override
  void close();
}
