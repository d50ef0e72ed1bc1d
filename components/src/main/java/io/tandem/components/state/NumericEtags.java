package io.tandem.components.state;

import io.tandem.components.ComponentException;
import io.tandem.components.ComponentException.Reason;

/**
 * ETag rules for stores whose ETags are numbers drawn from one ever-increasing counter (so an ETag
 * is never reused, even after a delete and re-create). Given the current ETag of a key ({@code
 * null} when absent), decides whether a write may proceed.
 */
public final class NumericEtags {
  private NumericEtags() {}

  /** Throws when {@code request} may not overwrite a key whose current ETag is {@code current}. */
  public static void checkSet(SetRequest request, Long current) {
    if (request.options().concurrency() == Concurrency.LAST_WRITE) {
      return;
    }
    if (request.hasEtag()) {
      long wanted = parse(request.etag());
      if (current == null || current != wanted) {
        throw mismatch();
      }
    } else if (request.options().concurrency() == Concurrency.FIRST_WRITE && current != null) {
      throw new ComponentException(Reason.ETAG_MISMATCH, "first-write: the key already exists");
    }
  }

  /** Throws when {@code request} may not delete a key whose current ETag is {@code current}. */
  public static void checkDelete(DeleteRequest request, Long current) {
    if (request.options().concurrency() == Concurrency.LAST_WRITE || !request.hasEtag()) {
      return;
    }
    long wanted = parse(request.etag());
    if (current == null || current != wanted) {
      throw mismatch();
    }
  }

  public static long parse(String etag) {
    try {
      return Long.parseLong(etag.trim());
    } catch (NumberFormatException e) {
      throw new ComponentException(Reason.ETAG_INVALID, "invalid etag value: " + etag);
    }
  }

  private static ComponentException mismatch() {
    return new ComponentException(
        Reason.ETAG_MISMATCH, "possible etag mismatch: the etag given is stale");
  }
}
