package io.tandem.components.pubsub;

import java.util.List;

/** The entries of a bulk publish that failed; empty when every entry was published. */
public record BulkPublishResponse(List<FailedEntry> failedEntries) {
  public BulkPublishResponse {
    failedEntries = List.copyOf(failedEntries);
  }

  public record FailedEntry(String entryId, String error) {}
}
