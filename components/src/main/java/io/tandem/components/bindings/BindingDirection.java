package io.tandem.components.bindings;

import io.tandem.components.ComponentMetadata;
import java.util.Locale;

/**
 * The roles a binding component plays, from its optional {@code direction} metadata: {@code input},
 * {@code output} or {@code input, output}. Without it, every role the component implements is used
 * (and, for input, the app is asked whether it listens); with it, only the listed ones, and an
 * explicit {@code input} means the app listens without asking it, as Dapr does.
 *
 * @param explicit whether {@code direction} was given
 */
public record BindingDirection(boolean input, boolean output, boolean explicit) {
  public static final String METADATA_KEY = "direction";

  public static final BindingDirection UNSPECIFIED = new BindingDirection(true, true, false);

  /**
   * Parses the component's {@code direction}.
   *
   * @throws io.tandem.components.ComponentException naming the key when a value is unknown
   */
  public static BindingDirection of(ComponentMetadata metadata) {
    String v = metadata.get(METADATA_KEY);
    if (v == null || v.isBlank()) {
      return UNSPECIFIED;
    }
    boolean in = false;
    boolean out = false;
    for (String part : v.split(",")) {
      switch (part.trim().toLowerCase(Locale.ROOT)) {
        case "input" -> in = true;
        case "output" -> out = true;
        case "" -> {}
        default ->
            throw io.tandem.components.ComponentException.invalid(
                "component "
                    + metadata.name()
                    + ": metadata 'direction' must be input, output or \"input, output\"; got "
                    + v);
      }
    }
    return new BindingDirection(in, out, true);
  }
}
