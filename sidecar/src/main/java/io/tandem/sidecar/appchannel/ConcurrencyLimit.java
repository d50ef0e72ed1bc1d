package io.tandem.sidecar.appchannel;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code --app-max-concurrency}: at most {@code max} calls into the app at once; the rest wait in
 * arrival order, without blocking any thread. A limit of 0 or less means unlimited.
 */
final class ConcurrencyLimit {
  private final int max;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final ConcurrentLinkedQueue<Promise<Void>> waiting = new ConcurrentLinkedQueue<>();

  ConcurrencyLimit(int max) {
    this.max = max;
  }

  /** Completes when the caller may start; it must then call {@link #release()} exactly once. */
  Future<Void> acquire() {
    if (max <= 0) {
      return Future.succeededFuture();
    }
    Promise<Void> p = Promise.promise();
    waiting.add(p);
    drain();
    return p.future();
  }

  void release() {
    if (max <= 0) {
      return;
    }
    inFlight.decrementAndGet();
    drain();
  }

  int inFlight() {
    return inFlight.get();
  }

  private void drain() {
    while (true) {
      int n = inFlight.get();
      if (n >= max || waiting.isEmpty()) {
        return;
      }
      if (!inFlight.compareAndSet(n, n + 1)) {
        continue;
      }
      Promise<Void> next = waiting.poll();
      if (next == null) {
        inFlight.decrementAndGet();
        continue;
      }
      next.complete();
    }
  }
}
