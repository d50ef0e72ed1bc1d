package io.tandem.components.bindings;

/**
 * A running {@link InputBinding#read}. The sidecar pauses it while the app is unhealthy and closes
 * it at shutdown. All methods are idempotent and must not block for long.
 */
public interface InputReader extends AutoCloseable {

  /**
   * Stops handing out new events until {@link #resume}. Events already handed out complete
   * normally. What happens to events arriving meanwhile is the binding's choice: a queue leaves
   * them in the backend, a schedule skips its firings.
   */
  void pause();

  void resume();

  boolean isPaused();

  /** Stops reading for good; the component itself stays usable (an output role keeps working). */
  @Override
  void close();
}
