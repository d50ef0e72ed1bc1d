package io.tandem.sidecar.appchannel;

/**
 * The app's answer to an input binding event: success (2xx / gRPC OK) with an optional body, which
 * Dapr can send on to output bindings or state (not used yet).
 */
public record BindingEventResult(boolean success, byte[] data, String error) {}
