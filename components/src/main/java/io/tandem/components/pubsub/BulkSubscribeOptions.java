package io.tandem.components.pubsub;

import java.time.Duration;

/**
 * How a bulk subscriber wants its batches.
 *
 * @param maxMessagesCount at most this many entries per batch (Dapr's default: 100)
 * @param maxAwaitDuration a batch leaves at the latest this long after its first message arrived
 *     (Dapr's default: 1 s)
 */
public record BulkSubscribeOptions(int maxMessagesCount, Duration maxAwaitDuration) {
  public static final int DEFAULT_MAX_MESSAGES = 100;
  public static final Duration DEFAULT_MAX_AWAIT = Duration.ofSeconds(1);

  public BulkSubscribeOptions {
    if (maxMessagesCount <= 0) {
      maxMessagesCount = DEFAULT_MAX_MESSAGES;
    }
    if (maxAwaitDuration == null || maxAwaitDuration.isNegative() || maxAwaitDuration.isZero()) {
      maxAwaitDuration = DEFAULT_MAX_AWAIT;
    }
  }
}
