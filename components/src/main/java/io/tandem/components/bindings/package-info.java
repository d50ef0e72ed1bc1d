/**
 * The bindings SPI: components that call an external system ({@link
 * io.tandem.components.bindings.OutputBinding}) or are triggered by one ({@link
 * io.tandem.components.bindings.InputBinding}). One component may implement both (Kafka reads a
 * topic and publishes to another); the {@code direction} metadata ({@link BindingDirection}) says
 * which roles the sidecar uses.
 *
 * <p>Operation names, metadata keys and the events' metadata are Dapr's, so a Component YAML
 * written for a Dapr binding works unchanged. Data is opaque bytes in both directions.
 */
package io.tandem.components.bindings;
