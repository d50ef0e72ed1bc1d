package io.tandem.components.bindings;

import io.tandem.components.ComponentException;

/**
 * An output binding call that failed, possibly after the backend answered: the HTTP binding, for
 * instance, fails on a non-2xx status yet still returns the status and headers, which Dapr passes
 * on to the app along with the error.
 */
public class BindingException extends ComponentException {
  private static final long serialVersionUID = 1L;

  private final transient InvokeResponse response;

  public BindingException(Reason reason, String message, InvokeResponse response) {
    super(reason, message);
    this.response = response;
  }

  public BindingException(Reason reason, String message, Throwable cause) {
    super(reason, message, cause);
    this.response = null;
  }

  /** The backend's answer, when there was one; null otherwise. */
  public InvokeResponse response() {
    return response;
  }
}
