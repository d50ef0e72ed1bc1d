package io.tandem.components.postgresql.bindings;

import java.time.Duration;

/** Writes a duration as Go's {@code time.Duration.String()} does: {@code 1.5ms}, {@code 2m3.5s}. */
final class GoDuration {
  private GoDuration() {}

  static String format(Duration d) {
    long nanos;
    try {
      nanos = d.toNanos();
    } catch (ArithmeticException e) {
      nanos = d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    if (nanos == 0) {
      return "0s";
    }
    String sign = nanos < 0 ? "-" : "";
    long n = Math.abs(nanos == Long.MIN_VALUE ? Long.MAX_VALUE : nanos);
    if (n < 1_000L) {
      return sign + n + "ns";
    }
    if (n < 1_000_000L) {
      return sign + fraction(n, 1_000L) + "µs";
    }
    if (n < 1_000_000_000L) {
      return sign + fraction(n, 1_000_000L) + "ms";
    }
    StringBuilder b = new StringBuilder(sign);
    long hours = n / 3_600_000_000_000L;
    long rest = n % 3_600_000_000_000L;
    long minutes = rest / 60_000_000_000L;
    rest = rest % 60_000_000_000L;
    if (hours > 0) {
      b.append(hours).append('h');
    }
    if (hours > 0 || minutes > 0) {
      b.append(minutes).append('m');
    }
    return b.append(fraction(rest, 1_000_000_000L)).append('s').toString();
  }

  /** {@code n / unit} with its fraction, trailing zeros dropped. */
  private static String fraction(long n, long unit) {
    long whole = n / unit;
    long frac = n % unit;
    if (frac == 0) {
      return Long.toString(whole);
    }
    String digits = Long.toString(unit + frac).substring(1);
    int end = digits.length();
    while (end > 0 && digits.charAt(end - 1) == '0') {
      end--;
    }
    return whole + "." + digits.substring(0, end);
  }
}
