/**
 * The configuration building block: reading a configuration store, and subscriptions to its changes
 * that reach the app either over the gRPC stream that asked for them or, when asked over HTTP, as
 * {@code POST /configuration/<store>/<key>} calls through the app channel.
 */
package io.tandem.sidecar.configuration;
