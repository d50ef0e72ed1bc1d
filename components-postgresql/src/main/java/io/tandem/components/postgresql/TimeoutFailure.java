package io.tandem.components.postgresql;

import io.tandem.components.ComponentException;

/** An operation that did not complete within the component's {@code timeout}. */
public final class TimeoutFailure extends ComponentException {
  private static final long serialVersionUID = 1L;

  public TimeoutFailure(String message) {
    super(Reason.FAILURE, message);
  }
}
