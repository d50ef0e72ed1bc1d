package io.tandem.sidecar.pubsub;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Holds deliveries to the app while it is unhealthy. A held message is not acknowledged, so the
 * broker keeps it (and, for the ordered in-memory broker, the messages after it) until the app is
 * healthy again: nothing is lost and nothing is redelivered in vain.
 */
final class DeliveryGate {
  private CompletableFuture<Void> open = CompletableFuture.completedFuture(null);

  synchronized CompletionStage<Void> whenOpen() {
    return open;
  }

  synchronized boolean isOpen() {
    return open.isDone();
  }

  synchronized void close() {
    if (open.isDone()) {
      open = new CompletableFuture<>();
    }
  }

  void open() {
    CompletableFuture<Void> f;
    synchronized (this) {
      f = open;
    }
    f.complete(null);
  }
}
