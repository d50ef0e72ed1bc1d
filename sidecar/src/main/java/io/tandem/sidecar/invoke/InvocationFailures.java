package io.tandem.sidecar.invoke;

import io.grpc.Metadata;
import java.time.Duration;

/** The ways an invocation fails before the app's answer starts, as exceptions between layers. */
final class InvocationFailures {
  private InvocationFailures() {}

  /**
   * Trailer set by a callee sidecar on the errors it raises itself (no app channel, app not
   * reachable), so the caller can tell them from failures to reach that sidecar.
   */
  static final Metadata.Key<String> CALLEE_ERROR =
      Metadata.Key.of("tandem-invoke-error", Metadata.ASCII_STRING_MARSHALLER);

  /** No response head within the invocation timeout. */
  static final class ResponseTimeoutException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ResponseTimeoutException(Duration after) {
      super("timed out after " + Durations.human(after), null, false, false);
    }
  }

  /** The request body grew past --max-body-size while streaming. */
  static final class BodyTooLargeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BodyTooLargeException(long limit) {
      super(
          "request body exceeds the limit of " + limit + " bytes (--max-body-size)",
          null,
          false,
          false);
    }
  }

  static final class Durations {
    private Durations() {}

    static String human(Duration d) {
      if (d.toMillis() % 1000 == 0) {
        return d.toSeconds() + "s";
      }
      return d.toMillis() + "ms";
    }
  }
}
