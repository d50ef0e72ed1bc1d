package io.tandem.components.pubsub;

import io.tandem.components.Completions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Turns one-message deliveries into batches for {@link PubSub#bulkSubscribe}'s default: each
 * message waits until its batch is handled, and its stage then completes with its own entry's
 * outcome, so the broker acknowledges or redelivers it alone.
 */
final class BatchingHandler implements MessageHandler {
  private final String topic;
  private final BulkSubscribeOptions options;
  private final BulkMessageHandler handler;
  private final Object lock = new Object();
  private List<Pending> batch = new ArrayList<>();
  private long batchNumber;
  private boolean closed;

  private record Pending(BulkMessageEntry entry, CompletableFuture<Void> done) {}

  BatchingHandler(String topic, BulkSubscribeOptions options, BulkMessageHandler handler) {
    this.topic = topic;
    this.options = options;
    this.handler = handler;
  }

  @Override
  public CompletionStage<Void> handle(Message message) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    BulkMessageEntry entry =
        new BulkMessageEntry(
            UUID.randomUUID().toString(),
            message.data(),
            message.contentType(),
            message.metadata());
    List<Pending> full = null;
    synchronized (lock) {
      if (closed) {
        return CompletableFuture.failedFuture(
            new IllegalStateException("the bulk subscription is closed"));
      }
      batch.add(new Pending(entry, done));
      if (batch.size() == 1) {
        long number = batchNumber;
        CompletableFuture.delayedExecutor(
                options.maxAwaitDuration().toMillis(), TimeUnit.MILLISECONDS)
            .execute(() -> flushIfStill(number));
      }
      if (batch.size() >= options.maxMessagesCount()) {
        full = take();
      }
    }
    if (full != null) {
      deliver(full);
    }
    return done;
  }

  void close() {
    List<Pending> left;
    synchronized (lock) {
      closed = true;
      left = take();
    }
    IllegalStateException e = new IllegalStateException("the bulk subscription is closed");
    left.forEach(p -> p.done().completeExceptionally(e));
  }

  private void flushIfStill(long number) {
    List<Pending> due = null;
    synchronized (lock) {
      if (batchNumber == number && !batch.isEmpty()) {
        due = take();
      }
    }
    if (due != null) {
      deliver(due);
    }
  }

  private List<Pending> take() {
    List<Pending> out = batch;
    batch = new ArrayList<>();
    batchNumber++;
    return out;
  }

  private void deliver(List<Pending> items) {
    if (items.isEmpty()) {
      return;
    }
    Map<String, Pending> byId = new HashMap<>();
    List<BulkMessageEntry> entries = new ArrayList<>();
    for (Pending p : items) {
      byId.put(p.entry().entryId(), p);
      entries.add(p.entry());
    }
    CompletionStage<Set<String>> stage =
        Completions.call(() -> handler.handle(new BulkMessage(topic, entries, Map.of())));
    stage.whenComplete(
        (failed, err) ->
            byId.forEach(
                (id, p) -> {
                  if (err != null) {
                    p.done().completeExceptionally(err);
                  } else if (failed != null && failed.contains(id)) {
                    p.done()
                        .completeExceptionally(
                            new IllegalStateException("entry " + id + " is to be redelivered"));
                  } else {
                    p.done().complete(null);
                  }
                }));
  }
}
