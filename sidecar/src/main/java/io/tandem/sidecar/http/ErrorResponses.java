package io.tandem.sidecar.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.sidecar.api.ApiError;
import io.tandem.sidecar.api.ApiException;
import io.vertx.core.http.HttpServerResponse;

/** Renders an {@link ApiException} as Dapr's HTTP error body. */
final class ErrorResponses {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ErrorResponses() {}

  static void send(HttpServerResponse response, ApiException e) {
    if (response.ended() || response.closed()) {
      return;
    }
    ObjectNode body = JSON.createObjectNode();
    body.put("errorCode", e.errorCode());
    body.put("message", e.getMessage());
    if (e.error().reason() != null) {
      ArrayNode details = body.putArray("details");
      ObjectNode info = details.addObject();
      info.put("@type", "type.googleapis.com/google.rpc.ErrorInfo");
      info.put("reason", e.error().reason());
      info.put("domain", ApiError.DOMAIN);
      ObjectNode md = info.putObject("metadata");
      e.metadata().forEach(md::put);
    }
    response
        .setStatusCode(e.error().httpStatus())
        .putHeader("content-type", "application/json")
        .end(body.toString());
  }
}
