package io.tandem.components.state;

import io.tandem.components.ComponentException;
import java.util.Map;

/**
 * A bulk save where some keys failed and the others were written. The first failure decides the
 * reported reason; {@link #failures()} holds each failed key's own error.
 */
public class BulkSetException extends ComponentException {
  private static final long serialVersionUID = 1L;
  private final transient Map<String, ComponentException> failures;

  public BulkSetException(Map<String, ComponentException> failures) {
    super(
        failures.values().iterator().next().reason(),
        failures.entrySet().stream()
            .map(e -> e.getKey() + ": " + e.getValue().getMessage())
            .reduce((a, b) -> a + "; " + b)
            .orElse(""));
    this.failures = Map.copyOf(failures);
  }

  public Map<String, ComponentException> failures() {
    return failures;
  }
}
