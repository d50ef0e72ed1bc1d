package io.tandem.sidecar;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses sizes the way daprd's {@code --max-body-size} takes them: Kubernetes quantities ({@code
 * 4Mi}, {@code 512Ki}, {@code 2M}, plain bytes) or, for older scripts, a bare integer of MiB.
 */
final class Quantities {
  private static final Pattern Q = Pattern.compile("(\\d+)(Ki|Mi|Gi|k|K|M|G)?");

  private Quantities() {}

  static long parseBytes(String text, boolean bareMeansMiB) {
    Matcher m = Q.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("not a size: " + text + " (use e.g. 4Mi, 512Ki)");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2);
    if (unit == null) {
      return bareMeansMiB ? n * 1024 * 1024 : n;
    }
    return switch (unit) {
      case "Ki" -> n * 1024;
      case "Mi" -> n * 1024 * 1024;
      case "Gi" -> n * 1024 * 1024 * 1024;
      case "k", "K" -> n * 1000;
      case "M" -> n * 1000 * 1000;
      default -> n * 1000 * 1000 * 1000;
    };
  }
}
