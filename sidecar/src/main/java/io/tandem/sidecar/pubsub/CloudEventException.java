package io.tandem.sidecar.pubsub;

/** A payload that cannot become (or is not) a CloudEvent. */
public final class CloudEventException extends Exception {
  private static final long serialVersionUID = 1L;

  public CloudEventException(String message, Throwable cause) {
    super(message, cause);
  }

  public CloudEventException(String message) {
    super(message);
  }
}
