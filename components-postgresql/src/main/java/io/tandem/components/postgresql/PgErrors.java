package io.tandem.components.postgresql;

import io.tandem.components.Completions;
import io.tandem.components.ComponentException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import java.io.IOException;

/** Reading the client's failures: which mean the server is out of reach, and what to tell. */
public final class PgErrors {
  private PgErrors() {}

  /**
   * Whether {@code failure} says the server cannot be reached (refused or lost connection, server
   * shutting down or starting, too many connections) rather than that a statement failed.
   */
  public static boolean isConnectionProblem(Throwable failure) {
    Throwable t = Completions.unwrap(failure);
    if (t instanceof TimeoutFailure) {
      return true;
    }
    if (t instanceof ComponentException) {
      return false;
    }
    if (t instanceof PgException pe) {
      String state = pe.getSqlState();
      return state != null
          && (state.startsWith("08") // connection exception
              || state.startsWith("53") // insufficient resources: too many connections
              || state.equals("57P01") // admin shutdown
              || state.equals("57P02") // crash shutdown
              || state.equals("57P03")); // cannot connect now: starting up
    }
    if (t instanceof IOException || t instanceof ClosedConnectionException) {
      return true; // refused, reset, unknown host, TLS, closed
    }
    String m = t.getMessage();
    // the pool waited in vain for a connection; the connection went away under a command
    return m != null
        && (m.startsWith("Timeout")
            || m.startsWith("Connection is not active")
            || m.startsWith("Failed to connect")
            || m.startsWith("SSL handshake failed"));
  }

  /**
   * One line about {@code failure}: the server's message and SQLSTATE for a statement that failed,
   * the client's message otherwise. Never a stack trace; the client's messages carry no password.
   */
  public static String describe(Throwable failure) {
    Throwable t = Completions.unwrap(failure);
    if (t instanceof PgException pe) {
      StringBuilder b = new StringBuilder();
      b.append(pe.getErrorMessage() == null ? "error" : pe.getErrorMessage());
      if (pe.getSqlState() != null) {
        b.append(" (SQLSTATE ").append(pe.getSqlState()).append(')');
      }
      if (pe.getDetail() != null && !pe.getDetail().isBlank()) {
        b.append(": ").append(pe.getDetail());
      }
      return b.toString();
    }
    if (t instanceof ComponentException) {
      return t.getMessage();
    }
    String m = t.getMessage();
    return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
  }

  /** The SQLSTATE of a statement's failure, or null. */
  public static String sqlState(Throwable failure) {
    return Completions.unwrap(failure) instanceof PgException pe ? pe.getSqlState() : null;
  }
}
