package io.tandem.components.bindings;

import java.util.concurrent.CompletionStage;

/** Receives an input binding's events; supplied by the sidecar, which delivers them to the app. */
@FunctionalInterface
public interface InputHandler {

  /**
   * Handles one event. Completes with the app's response body (possibly empty) when the app
   * processed it, exceptionally when it did not; never throws. The stage may complete on one of the
   * sidecar's I/O threads: a binding must not block in its continuations (hand a blocking commit or
   * ack to its own thread).
   */
  CompletionStage<byte[]> handle(InputEvent event);
}
