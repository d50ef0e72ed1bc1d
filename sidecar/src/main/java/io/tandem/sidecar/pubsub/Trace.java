package io.tandem.sidecar.pubsub;

/**
 * The W3C trace context of a publish ({@code traceparent}, {@code tracestate}), carried into the
 * CloudEvent; empty strings when the caller sent none.
 */
public record Trace(String traceParent, String traceState) {
  public static final Trace NONE = new Trace("", "");

  public Trace {
    traceParent = traceParent == null ? "" : traceParent;
    traceState = traceState == null ? "" : traceState;
  }
}
