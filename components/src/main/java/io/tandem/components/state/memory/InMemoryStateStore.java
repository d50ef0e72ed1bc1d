package io.tandem.components.state.memory;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.state.DeleteRequest;
import io.tandem.components.state.GetRequest;
import io.tandem.components.state.GetResponse;
import io.tandem.components.state.NumericEtags;
import io.tandem.components.state.SetRequest;
import io.tandem.components.state.StateStore;
import io.tandem.components.state.StateTtl;
import io.tandem.components.state.TransactionalOperation;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * {@code state.in-memory}: a process-local map with ETags, TTLs and atomic transactions. Every
 * operation takes one lock, so a transaction is atomic against every other read and write.
 */
public final class InMemoryStateStore implements StateStore {
  private record Entry(byte[] value, long etag, long expiresAt) {
    boolean expired(long now) {
      return expiresAt > 0 && expiresAt <= now;
    }
  }

  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
  private final Object writeLock = new Object();
  private final LongSupplier clock;
  private long nextEtag = 1;
  private int writesSinceSweep;

  public InMemoryStateStore() {
    this(System::currentTimeMillis);
  }

  InMemoryStateStore(LongSupplier clock) {
    this.clock = clock;
  }

  @Override
  public void init(ComponentMetadata metadata, ComponentContext context) {}

  @Override
  public Set<String> features() {
    return Set.of(FEATURE_ETAG, FEATURE_TRANSACTIONAL, FEATURE_TTL);
  }

  @Override
  public CompletionStage<GetResponse> get(GetRequest request) {
    Entry e;
    // Reads take the write lock too, so they never see a transaction half-applied.
    synchronized (writeLock) {
      e = live(request.key(), clock.getAsLong());
    }
    return CompletableFuture.completedFuture(
        e == null
            ? null
            : new GetResponse(
                e.value().clone(),
                Long.toString(e.etag()),
                StateTtl.responseMetadata(e.expiresAt())));
  }

  @Override
  public CompletionStage<Void> set(SetRequest request) {
    try {
      synchronized (writeLock) {
        applySet(request, clock.getAsLong());
      }
      return CompletableFuture.completedFuture(null);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletionStage<Void> delete(DeleteRequest request) {
    try {
      synchronized (writeLock) {
        applyDelete(request, clock.getAsLong());
      }
      return CompletableFuture.completedFuture(null);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletionStage<Void> multi(List<TransactionalOperation> operations) {
    try {
      synchronized (writeLock) {
        long now = clock.getAsLong();
        // Apply step by step, remembering each key's first prior entry (null: absent), and put
        // them all back if a step fails, so the transaction is all or nothing.
        Map<String, Entry> undo = new HashMap<>();
        try {
          for (TransactionalOperation op : operations) {
            // Not putIfAbsent: a key absent before the transaction is recorded as null, and
            // putIfAbsent would overwrite that null with a value written by an earlier step.
            if (!undo.containsKey(op.key())) {
              undo.put(op.key(), entries.get(op.key()));
            }
            if (op instanceof TransactionalOperation.Upsert u) {
              applySet(u.request(), now);
            } else if (op instanceof TransactionalOperation.Delete d) {
              applyDelete(d.request(), now);
            }
          }
        } catch (RuntimeException e) {
          undo.forEach(
              (k, v) -> {
                if (v == null) {
                  entries.remove(k);
                } else {
                  entries.put(k, v);
                }
              });
          throw e;
        }
      }
      return CompletableFuture.completedFuture(null);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private void applySet(SetRequest request, long now) {
    long expiresAt = StateTtl.expiryMillis(request.metadata(), now);
    Entry current = live(request.key(), now);
    NumericEtags.checkSet(request, current == null ? null : current.etag());
    entries.put(request.key(), new Entry(request.value().clone(), nextEtag++, expiresAt));
    if (++writesSinceSweep >= 1024) {
      writesSinceSweep = 0;
      entries.values().removeIf(e -> e.expired(now));
    }
  }

  private void applyDelete(DeleteRequest request, long now) {
    Entry current = live(request.key(), now);
    NumericEtags.checkDelete(request, current == null ? null : current.etag());
    entries.remove(request.key());
  }

  private Entry live(String key, long now) {
    Entry e = entries.get(key);
    return e == null || e.expired(now) ? null : e;
  }
}
