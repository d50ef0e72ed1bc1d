package io.tandem.components.bindings;

import io.tandem.components.Component;

/**
 * A binding that triggers the app: a schedule, a queue, a topic. The sidecar calls {@link #read}
 * once the app has said it listens; each event then goes to the handler, whose stage decides the
 * event's fate: completing normally acknowledges it (commit an offset, ack a message), completing
 * exceptionally leaves it unacknowledged so the backend redelivers it where it can (a schedule just
 * logs).
 *
 * <p>{@link #read} must return promptly: it starts the binding's own threads or async client and
 * hands back the {@link InputReader} that pauses, resumes and stops them.
 */
public interface InputBinding extends Component {

  /**
   * The capability Dapr's metadata API lists for input bindings; implementations return it from
   * {@link #features()}.
   */
  String FEATURE_INPUT_BINDING = "INPUT_BINDING";

  /**
   * Starts delivering events to {@code handler}. The handler may be called from any thread, and
   * concurrently unless the binding documents otherwise.
   *
   * @throws io.tandem.components.ComponentException when reading cannot start
   */
  InputReader read(InputHandler handler);
}
