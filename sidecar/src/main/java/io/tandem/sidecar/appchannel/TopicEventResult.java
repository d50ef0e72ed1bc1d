package io.tandem.sidecar.appchannel;

/** What the app answered to a delivered event, with Dapr's meaning. */
public enum TopicEventResult {
  /** Processed: acknowledge to the broker. */
  SUCCESS,
  /** Not processed: redeliver later. */
  RETRY,
  /** Never processable: acknowledge, log, and send to the dead-letter topic when one is set. */
  DROP
}
