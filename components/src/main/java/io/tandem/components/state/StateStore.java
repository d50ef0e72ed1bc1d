package io.tandem.components.state;

import io.tandem.components.Completions;
import io.tandem.components.Component;
import io.tandem.components.ComponentException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A key/value store behind the state API. Errors are reported by completing exceptionally with a
 * {@link ComponentException}: {@code ETAG_MISMATCH} when an ETag does not match (or first-write
 * meets an existing key), {@code ETAG_INVALID} when an ETag is malformed, {@code INVALID_ARGUMENT}
 * for bad metadata such as a non-numeric TTL.
 */
public interface StateStore extends Component {
  String FEATURE_ETAG = "ETAG";
  String FEATURE_TRANSACTIONAL = "TRANSACTIONAL";
  String FEATURE_TTL = "TTL";
  String FEATURE_QUERY_API = "QUERY_API";

  /** Request metadata key: seconds to live; -1 removes a TTL. */
  String TTL_IN_SECONDS = "ttlInSeconds";

  /** Response metadata key: when the item expires, RFC 3339 in UTC. */
  String TTL_EXPIRE_TIME = "ttlExpireTime";

  /** Completes with {@code null} when the key does not exist (or has expired). */
  CompletionStage<GetResponse> get(GetRequest request);

  CompletionStage<Void> set(SetRequest request);

  CompletionStage<Void> delete(DeleteRequest request);

  /** Missing keys come back with a null response; a failed key carries its error. */
  default CompletionStage<List<BulkGetItem>> bulkGet(List<GetRequest> requests) {
    List<CompletableFuture<BulkGetItem>> all = new ArrayList<>();
    for (GetRequest r : requests) {
      all.add(
          Completions.call(() -> get(r))
              .handle(
                  (res, err) ->
                      err == null
                          ? new BulkGetItem(r.key(), res, null)
                          : new BulkGetItem(r.key(), null, describe(Completions.unwrap(err)))));
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
        .thenApply(v -> all.stream().map(CompletableFuture::join).toList());
  }

  /**
   * Writes each item on its own (not atomically). When some fail, the others are still written and
   * the result fails with a {@link BulkSetException} naming the failed keys.
   */
  default CompletionStage<Void> bulkSet(List<SetRequest> requests) {
    List<CompletableFuture<Void>> all = new ArrayList<>();
    Map<String, ComponentException> failures = new LinkedHashMap<>();
    for (SetRequest r : requests) {
      all.add(
          Completions.call(() -> set(r))
              .handle(
                  (ok, err) -> {
                    if (err != null) {
                      Throwable cause = Completions.unwrap(err);
                      synchronized (failures) {
                        failures.put(
                            r.key(),
                            cause instanceof ComponentException ce
                                ? ce
                                : ComponentException.failure(describe(cause), cause));
                      }
                    }
                    return null;
                  }));
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
        .thenCompose(
            v -> {
              if (failures.isEmpty()) {
                return CompletableFuture.completedFuture(null);
              }
              return CompletableFuture.failedFuture(new BulkSetException(failures));
            });
  }

  /**
   * Applies the operations in order, atomically: all or none. Only stores with {@link
   * #FEATURE_TRANSACTIONAL} implement it.
   */
  default CompletionStage<Void> multi(List<TransactionalOperation> operations) {
    return CompletableFuture.failedFuture(
        new ComponentException(
            ComponentException.Reason.NOT_SUPPORTED,
            "this state store does not support transactions"));
  }

  /** A non-null message, so that a failed key is never mistaken for a missing one. */
  private static String describe(Throwable t) {
    return t.getMessage() != null ? t.getMessage() : t.toString();
  }
}
