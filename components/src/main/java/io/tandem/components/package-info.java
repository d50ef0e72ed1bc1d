/**
 * The component SPI: what a backend implements to serve a Dapr building block.
 *
 * <p>A backend ships a {@link io.tandem.components.ComponentFactory} listed in {@code
 * META-INF/services/io.tandem.components.ComponentFactory}; the sidecar finds it by the Component
 * resource's {@code spec.type} and {@code spec.version}, calls {@link
 * io.tandem.components.Component#init} once with the resolved metadata, and then calls the
 * building-block interface ({@link io.tandem.components.state.StateStore}, {@link
 * io.tandem.components.secrets.SecretStore}, ...). Operations return {@link
 * java.util.concurrent.CompletionStage}s; an implementation over a blocking client runs its work on
 * {@link io.tandem.components.ComponentContext#blockingExecutor()}, never on the caller's thread.
 */
package io.tandem.components;
