package io.tandem.components.pubsub;

import java.util.Set;
import java.util.concurrent.CompletionStage;

/** Receives messages in batches. */
@FunctionalInterface
public interface BulkMessageHandler {
  /**
   * Processes a batch. The stage completes with the ids of the entries to redeliver (empty when all
   * are done); completing exceptionally redelivers the whole batch.
   */
  CompletionStage<Set<String>> handle(BulkMessage batch);
}
