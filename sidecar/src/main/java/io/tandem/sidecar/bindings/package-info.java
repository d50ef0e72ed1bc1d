/**
 * The bindings building block: output binding calls shared by the HTTP and gRPC transports, and the
 * delivery of input binding events into the app through the app channel.
 */
package io.tandem.sidecar.bindings;
