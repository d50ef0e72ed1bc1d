package io.tandem.sidecar.registry;

/** A component that could not be loaded and did not ask for its errors to be ignored. */
public class ComponentLoadException extends Exception {
  private static final long serialVersionUID = 1L;

  public ComponentLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
