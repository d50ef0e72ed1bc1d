package io.tandem.sidecar.bindings;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.dapr.v1.DaprBindingsProtos.InvokeBindingRequest;
import io.tandem.sidecar.api.ApiError;
import io.tandem.sidecar.api.ApiException;
import java.io.IOException;
import java.util.Iterator;
import java.util.Map;

/**
 * Decodes the HTTP API's output binding body, {@code {"data":..., "metadata":{...},
 * "operation":"..."}}, into the gRPC request both transports share. As in Dapr, {@code data}
 * reaches the binding as its JSON encoding: an object or array as JSON text, a string with its
 * quotes, and no {@code data} at all as {@code null}.
 */
public final class OutputBindingJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Request headers Dapr passes on to the binding as metadata (trace context). */
  private static final String[] TRACE_HEADERS = {"traceparent", "tracestate", "baggage"};

  private OutputBindingJson() {}

  /**
   * @param headers looks up a request header by name, null when absent
   * @throws ApiException {@code ERR_MALFORMED_REQUEST} when the body is not such an object
   */
  public static InvokeBindingRequest decode(
      String name, byte[] body, java.util.function.Function<String, String> headers) {
    JsonNode root;
    try {
      root = JSON.readTree(body == null ? new byte[0] : body);
    } catch (JsonProcessingException e) {
      throw malformed(e.getOriginalMessage());
    } catch (IOException e) {
      throw malformed(e.getMessage());
    }
    if (root == null || root.isMissingNode()) {
      throw malformed("EOF");
    }
    if (!root.isObject()) {
      throw malformed("the body must be a JSON object with data, metadata and operation");
    }
    InvokeBindingRequest.Builder req = InvokeBindingRequest.newBuilder().setName(name);
    JsonNode op = root.get("operation");
    if (op != null && !op.isNull()) {
      if (!op.isTextual()) {
        throw malformed("operation must be a string");
      }
      req.setOperation(op.asText());
    }
    JsonNode md = root.get("metadata");
    if (md != null && !md.isNull()) {
      if (!md.isObject()) {
        throw malformed("metadata must be an object of strings");
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = md.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!e.getValue().isTextual()) {
          throw malformed("metadata value of " + e.getKey() + " must be a string");
        }
        req.putMetadata(e.getKey(), e.getValue().asText());
      }
    }
    JsonNode data = root.get("data");
    try {
      req.setData(
          ByteString.copyFrom(JSON.writeValueAsBytes(data == null ? JSON.nullNode() : data)));
    } catch (JsonProcessingException e) {
      throw malformed(e.getOriginalMessage());
    }
    for (String h : TRACE_HEADERS) {
      String v = headers.apply(h);
      if (v != null && !v.isEmpty() && !req.containsMetadata(h)) {
        req.putMetadata(h, v);
      }
    }
    return req.build();
  }

  private static ApiException malformed(String why) {
    return ApiError.MALFORMED_REQUEST.exception("failed deserializing HTTP body: " + why);
  }
}
