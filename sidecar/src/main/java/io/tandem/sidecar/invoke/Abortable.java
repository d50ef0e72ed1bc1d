package io.tandem.sidecar.invoke;

/**
 * A stream that can be stopped from the reading side, telling its source to stop sending (the
 * reader went away). Response bodies of remote invocations implement it.
 */
public interface Abortable {
  void abort(Throwable cause);
}
