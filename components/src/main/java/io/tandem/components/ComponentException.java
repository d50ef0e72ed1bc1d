package io.tandem.components;

/**
 * A failure a component reports to the building block, with a reason the building block maps to
 * Dapr's error code and status.
 */
public class ComponentException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why an operation failed. */
  public enum Reason {
    /** The request or the component's metadata is wrong: a client error. */
    INVALID_ARGUMENT,
    /** The named item (a secret, say) does not exist. */
    NOT_FOUND,
    /** An ETag was given and does not match, or first-write found an existing key. */
    ETAG_MISMATCH,
    /** An ETag was given that this store can never have produced. */
    ETAG_INVALID,
    /** The component does not implement this operation. */
    NOT_SUPPORTED,
    /** Anything else: the backend failed. */
    FAILURE
  }

  private final Reason reason;

  public ComponentException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public ComponentException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }

  public static ComponentException invalid(String message) {
    return new ComponentException(Reason.INVALID_ARGUMENT, message);
  }

  public static ComponentException failure(String message, Throwable cause) {
    return new ComponentException(Reason.FAILURE, message, cause);
  }
}
