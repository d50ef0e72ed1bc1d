package io.tandem.components.bindings;

import io.tandem.components.Component;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * A binding the app invokes: {@code POST /v1.0/bindings/{name}} or gRPC {@code InvokeBinding}.
 *
 * <p>The building block refuses operations not in {@link #operations()} before calling {@link
 * #invoke}. A failure completes the stage exceptionally, preferably with a {@link BindingException}
 * (which may carry the response metadata the backend still returned, such as an HTTP status) or
 * another {@link io.tandem.components.ComponentException}. Implementations never block the calling
 * thread: blocking clients run on {@link io.tandem.components.ComponentContext#blockingExecutor()}.
 */
public interface OutputBinding extends Component {
  /** Dapr's common operation names; a binding may declare its own as well (exec, query...). */
  String CREATE = "create";

  String GET = "get";
  String DELETE = "delete";
  String LIST = "list";

  /**
   * The capability Dapr's metadata API lists for output bindings; implementations return it from
   * {@link #features()}.
   */
  String FEATURE_OUTPUT_BINDING = "OUTPUT_BINDING";

  /** The operation names this binding serves, in Dapr's spelling (lower case). */
  Set<String> operations();

  /**
   * Performs {@code request.operation()}. Completes with the response, or with {@code null} when
   * the operation has nothing to answer (the HTTP API then replies 204).
   */
  CompletionStage<InvokeResponse> invoke(InvokeRequest request);
}
