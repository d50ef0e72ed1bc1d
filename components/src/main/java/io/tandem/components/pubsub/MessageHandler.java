package io.tandem.components.pubsub;

import java.util.concurrent.CompletionStage;

/** Receives one message. */
@FunctionalInterface
public interface MessageHandler {
  /**
   * Processes {@code message}. Completing normally acknowledges it; completing exceptionally asks
   * the broker to redeliver it after a back-off.
   */
  CompletionStage<Void> handle(Message message);
}
