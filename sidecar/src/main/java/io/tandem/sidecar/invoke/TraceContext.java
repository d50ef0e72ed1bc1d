package io.tandem.sidecar.invoke;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * W3C trace context for one hop of service invocation: the sidecar takes part in the trace the
 * caller started (same trace id and flags, a new parent id for the hop), or starts one when the
 * caller sent no valid {@code traceparent}.
 */
public final class TraceContext {
  public static final String TRACEPARENT = "traceparent";
  public static final String TRACESTATE = "tracestate";

  private static final Pattern VALID =
      Pattern.compile("^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$");
  private static final String ZERO_TRACE = "0".repeat(32);
  private static final String ZERO_SPAN = "0".repeat(16);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final HexFormat HEX = HexFormat.of();

  private TraceContext() {}

  /**
   * The {@code traceparent} to send on: a child of {@code incoming} when it is valid, else a new
   * sampled root.
   */
  public static String childOf(String incoming) {
    if (isValid(incoming)) {
      String traceId = incoming.substring(3, 35);
      String flags = incoming.substring(53, 55);
      return "00-" + traceId + "-" + newSpanId() + "-" + flags;
    }
    return "00-" + newTraceId() + "-" + newSpanId() + "-01";
  }

  /** The trace id of a valid {@code traceparent}, else null. */
  public static String traceId(String traceparent) {
    return isValid(traceparent) ? traceparent.substring(3, 35) : null;
  }

  static boolean isValid(String tp) {
    return tp != null
        && tp.length() == 55
        && VALID.matcher(tp).matches()
        && !tp.startsWith("ff")
        && !tp.substring(3, 35).equals(ZERO_TRACE)
        && !tp.substring(36, 52).equals(ZERO_SPAN);
  }

  private static String newTraceId() {
    byte[] b = new byte[16];
    do {
      RANDOM.nextBytes(b);
    } while (HEX.formatHex(b).equals(ZERO_TRACE));
    return HEX.formatHex(b);
  }

  private static String newSpanId() {
    byte[] b = new byte[8];
    do {
      RANDOM.nextBytes(b);
    } while (HEX.formatHex(b).equals(ZERO_SPAN));
    return HEX.formatHex(b);
  }
}
