package io.tandem.sidecar.bindings;

import io.dapr.v1.DaprBindingsProtos.InvokeBindingResponse;
import io.tandem.sidecar.api.ApiException;

/**
 * How an output binding call ended. Dapr returns the binding's response metadata even when the call
 * failed (the HTTP binding's status and headers on a 404, say), so both may be present.
 *
 * @param response the binding's answer, or null when it gave none
 * @param error the failure, or null on success
 */
public record OutputBindingOutcome(InvokeBindingResponse response, ApiException error) {
  public boolean failed() {
    return error != null;
  }
}
