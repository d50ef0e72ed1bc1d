package io.tandem.sidecar.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.dapr.v1.CommonProtos;
import io.dapr.v1.DaprStateProtos.BulkStateItem;
import io.dapr.v1.DaprStateProtos.ExecuteStateTransactionRequest;
import io.dapr.v1.DaprStateProtos.GetBulkStateRequest;
import io.dapr.v1.DaprStateProtos.GetBulkStateResponse;
import io.dapr.v1.DaprStateProtos.SaveStateRequest;
import io.dapr.v1.DaprStateProtos.TransactionalStateOperation;
import io.tandem.sidecar.api.ApiError;
import io.tandem.sidecar.api.ApiException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;

/**
 * Translates the state API's HTTP JSON shapes to and from Dapr's protobuf messages. A value is
 * stored as the bytes of its JSON text, so what one SDK saves over HTTP reads back the same over
 * gRPC.
 */
final class StateJson {
  static final ObjectMapper JSON = new ObjectMapper();

  private StateJson() {}

  static SaveStateRequest saveRequest(String store, byte[] body) {
    JsonNode root = parse(body);
    if (!root.isArray()) {
      throw malformed("expected a JSON array of state items");
    }
    SaveStateRequest.Builder b = SaveStateRequest.newBuilder().setStoreName(store);
    for (JsonNode item : root) {
      b.addStates(stateItem(item));
    }
    return b.build();
  }

  static GetBulkStateRequest bulkGetRequest(String store, byte[] body, Map<String, String> md) {
    JsonNode root = parse(body);
    if (!root.isObject() || !root.path("keys").isArray()) {
      throw malformed("expected a JSON object with a 'keys' array");
    }
    GetBulkStateRequest.Builder b =
        GetBulkStateRequest.newBuilder().setStoreName(store).putAllMetadata(md);
    for (JsonNode k : root.get("keys")) {
      if (!k.isTextual()) {
        throw malformed("keys must be strings");
      }
      b.addKeys(k.asText());
    }
    if (root.has("parallelism")) {
      if (!root.get("parallelism").canConvertToInt()) {
        throw malformed("parallelism must be an integer");
      }
      b.setParallelism(root.get("parallelism").asInt());
    }
    return b.build();
  }

  static ExecuteStateTransactionRequest transactionRequest(String store, byte[] body) {
    JsonNode root = parse(body);
    if (!root.isObject() || !root.path("operations").isArray()) {
      throw malformed("expected a JSON object with an 'operations' array");
    }
    ExecuteStateTransactionRequest.Builder b =
        ExecuteStateTransactionRequest.newBuilder().setStoreName(store);
    for (JsonNode op : root.get("operations")) {
      if (!op.isObject() || !op.path("operation").isTextual() || !op.path("request").isObject()) {
        throw malformed("each operation needs an 'operation' name and a 'request' object");
      }
      b.addOperations(
          TransactionalStateOperation.newBuilder()
              .setOperationType(op.get("operation").asText())
              .setRequest(stateItem(op.get("request"))));
    }
    b.putAllMetadata(stringMap(root.get("metadata"), "metadata"));
    return b.build();
  }

  static String bulkGetResponse(GetBulkStateResponse res) {
    ArrayNode out = JSON.createArrayNode();
    for (BulkStateItem item : res.getItemsList()) {
      ObjectNode o = out.addObject();
      o.put("key", item.getKey());
      if (!item.getError().isEmpty()) {
        o.put("error", item.getError());
        continue;
      }
      if (!item.getData().isEmpty()) {
        o.set("data", dataNode(item.getData()));
      }
      if (!item.getEtag().isEmpty()) {
        o.put("etag", item.getEtag());
      }
      if (item.getMetadataCount() > 0) {
        ObjectNode md = o.putObject("metadata");
        item.getMetadataMap().forEach(md::put);
      }
    }
    return out.toString();
  }

  /** Stored bytes as a JSON node: the JSON itself when they are JSON, else a string. */
  static JsonNode dataNode(ByteString data) {
    if (looksLikeJson(data)) {
      try {
        return JSON.readTree(data.toByteArray());
      } catch (IOException e) {
        // not JSON after all: fall through
      }
    }
    return JSON.getNodeFactory().textNode(data.toString(StandardCharsets.UTF_8));
  }

  static boolean looksLikeJson(ByteString data) {
    for (int i = 0; i < data.size(); i++) {
      byte c = data.byteAt(i);
      if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
        continue;
      }
      return c == '{'
          || c == '['
          || c == '"'
          || c == '-'
          || (c >= '0' && c <= '9')
          || c == 't'
          || c == 'f'
          || c == 'n';
    }
    return false;
  }

  private static CommonProtos.StateItem stateItem(JsonNode item) {
    if (!item.isObject()) {
      throw malformed("each state item must be a JSON object");
    }
    JsonNode key = item.get("key");
    if (key == null || !key.isTextual() || key.asText().isEmpty()) {
      throw malformed("each state item needs a non-empty string 'key'");
    }
    CommonProtos.StateItem.Builder b = CommonProtos.StateItem.newBuilder().setKey(key.asText());
    JsonNode value = item.get("value");
    if (value != null && !value.isMissingNode()) {
      try {
        b.setValue(ByteString.copyFrom(JSON.writeValueAsBytes(value)));
      } catch (JsonProcessingException e) {
        throw malformed("value of " + key.asText() + " cannot be serialised");
      }
    }
    JsonNode etag = item.get("etag");
    if (etag != null && !etag.isNull()) {
      if (!etag.isValueNode()) {
        throw malformed("etag of " + key.asText() + " must be a string");
      }
      if (!etag.asText().isEmpty()) {
        b.setEtag(CommonProtos.Etag.newBuilder().setValue(etag.asText()));
      }
    }
    b.putAllMetadata(stringMap(item.get("metadata"), "metadata of " + key.asText()));
    JsonNode options = item.get("options");
    if (options != null && !options.isNull()) {
      if (!options.isObject()) {
        throw malformed("options of " + key.asText() + " must be an object");
      }
      b.setOptions(
          options(options.path("concurrency").asText(""), options.path("consistency").asText("")));
    }
    return b.build();
  }

  static CommonProtos.StateOptions options(String concurrency, String consistency) {
    CommonProtos.StateOptions.Builder o = CommonProtos.StateOptions.newBuilder();
    switch (concurrency) {
      case "" -> {}
      case "first-write" ->
          o.setConcurrency(CommonProtos.StateOptions.StateConcurrency.CONCURRENCY_FIRST_WRITE);
      case "last-write" ->
          o.setConcurrency(CommonProtos.StateOptions.StateConcurrency.CONCURRENCY_LAST_WRITE);
      default ->
          throw malformed(
              "unknown concurrency '" + concurrency + "': use first-write or last-write");
    }
    switch (consistency) {
      case "" -> {}
      case "strong" ->
          o.setConsistency(CommonProtos.StateOptions.StateConsistency.CONSISTENCY_STRONG);
      case "eventual" ->
          o.setConsistency(CommonProtos.StateOptions.StateConsistency.CONSISTENCY_EVENTUAL);
      default ->
          throw malformed("unknown consistency '" + consistency + "': use strong or eventual");
    }
    return o.build();
  }

  private static Map<String, String> stringMap(JsonNode node, String what) {
    if (node == null || node.isNull()) {
      return Map.of();
    }
    if (!node.isObject()) {
      throw malformed(what + " must be an object of strings");
    }
    java.util.LinkedHashMap<String, String> out = new java.util.LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = node.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isValueNode()) {
        throw malformed(what + ": value of " + e.getKey() + " must be a string");
      }
      out.put(e.getKey(), e.getValue().asText());
    }
    return out;
  }

  static JsonNode parse(byte[] body) {
    if (body == null || body.length == 0) {
      throw malformed("request body is empty");
    }
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw malformed(
          e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage());
    }
  }

  static ApiException malformed(String detail) {
    return ApiError.MALFORMED_REQUEST.exception("failed deserializing HTTP body: " + detail);
  }
}
