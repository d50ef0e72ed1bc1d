package io.tandem.components.bindings.http;

import java.math.BigDecimal;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sizes written as Kubernetes resource quantities, as Dapr's {@code maxResponseBodySize} takes
 * them: a whole number of bytes, or a number with a binary ({@code Ki Mi Gi Ti Pi Ei}) or decimal
 * ({@code k M G T P E}) suffix.
 */
final class ByteSize {
  private static final Pattern Q =
      Pattern.compile("([+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+))(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?");

  private ByteSize() {}

  /**
   * @throws IllegalArgumentException when {@code text} is not a quantity or exceeds a {@code long}
   */
  static long parse(String text) {
    Matcher m = Q.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("not a size: " + text);
    }
    BigDecimal n = new BigDecimal(m.group(1));
    String unit = m.group(2);
    long multiplier =
        unit == null
            ? 1
            : switch (unit) {
              case "Ki" -> 1L << 10;
              case "Mi" -> 1L << 20;
              case "Gi" -> 1L << 30;
              case "Ti" -> 1L << 40;
              case "Pi" -> 1L << 50;
              case "Ei" -> 1L << 60;
              case "k" -> 1_000L;
              case "M" -> 1_000_000L;
              case "G" -> 1_000_000_000L;
              case "T" -> 1_000_000_000_000L;
              case "P" -> 1_000_000_000_000_000L;
              default -> 1_000_000_000_000_000_000L;
            };
    BigDecimal bytes = n.multiply(BigDecimal.valueOf(multiplier));
    try {
      // a fraction of a byte rounds up, as Kubernetes quantities do
      return bytes.setScale(0, java.math.RoundingMode.CEILING).longValueExact();
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("size out of range: " + text, e);
    }
  }
}
