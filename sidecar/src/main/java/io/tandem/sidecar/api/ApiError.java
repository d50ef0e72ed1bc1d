package io.tandem.sidecar.api;

import io.grpc.Status;

/**
 * The one error catalog: each entry carries Dapr's {@code errorCode}, the HTTP status, the gRPC
 * status, and (where Dapr attaches one) the {@code google.rpc.ErrorInfo} reason. Both transports
 * render an {@link ApiException} from these entries and from nothing else.
 */
public enum ApiError {
  // Generic HTTP edge.
  MALFORMED_REQUEST("ERR_MALFORMED_REQUEST", 400, Status.Code.INVALID_ARGUMENT, null),
  BODY_TOO_LARGE("ERR_MALFORMED_REQUEST", 413, Status.Code.RESOURCE_EXHAUSTED, null),
  NOT_FOUND("ERR_NOT_FOUND", 404, Status.Code.UNIMPLEMENTED, null),
  METHOD_NOT_ALLOWED("ERR_METHOD_NOT_ALLOWED", 405, Status.Code.UNIMPLEMENTED, null),
  UNAUTHORIZED("ERR_UNAUTHORIZED", 401, Status.Code.UNAUTHENTICATED, null),
  INTERNAL("ERR_INTERNAL", 500, Status.Code.INTERNAL, null),

  // State.
  STATE_STORE_NOT_FOUND(
      "ERR_STATE_STORE_NOT_FOUND", 400, Status.Code.INVALID_ARGUMENT, "DAPR_STATE_NOT_FOUND"),
  STATE_STORES_NOT_CONFIGURED(
      "ERR_STATE_STORE_NOT_CONFIGURED",
      500,
      Status.Code.FAILED_PRECONDITION,
      "DAPR_STATE_NOT_CONFIGURED"),
  STATE_ILLEGAL_KEY(
      "ERR_MALFORMED_REQUEST", 400, Status.Code.INVALID_ARGUMENT, "DAPR_STATE_ILLEGAL_KEY"),
  STATE_GET("ERR_STATE_GET", 500, Status.Code.INTERNAL, null),
  STATE_BULK_GET("ERR_STATE_BULK_GET", 500, Status.Code.INTERNAL, null),
  STATE_SAVE("ERR_STATE_SAVE", 500, Status.Code.INTERNAL, null),
  STATE_DELETE("ERR_STATE_DELETE", 500, Status.Code.INTERNAL, null),
  STATE_TRANSACTION("ERR_STATE_TRANSACTION", 500, Status.Code.INTERNAL, null),
  STATE_ETAG_MISMATCH("", 409, Status.Code.ABORTED, "DAPR_STATE_ETAG_MISMATCH"),
  STATE_ETAG_INVALID("", 400, Status.Code.INVALID_ARGUMENT, "DAPR_STATE_ETAG_INVALID"),
  STATE_INVALID_REQUEST("", 400, Status.Code.INVALID_ARGUMENT, null),
  STATE_TRANSACTIONS_NOT_SUPPORTED(
      "ERR_STATE_STORE_NOT_SUPPORTED",
      500,
      Status.Code.UNIMPLEMENTED,
      "DAPR_STATE_TRANSACTIONS_NOT_SUPPORTED"),
  STATE_OPERATION_NOT_SUPPORTED(
      "ERR_NOT_SUPPORTED_STATE_OPERATION", 400, Status.Code.INVALID_ARGUMENT, null),

  // Secrets.
  SECRET_STORES_NOT_CONFIGURED(
      "ERR_SECRET_STORES_NOT_CONFIGURED", 500, Status.Code.FAILED_PRECONDITION, null),
  SECRET_STORE_NOT_FOUND("ERR_SECRET_STORE_NOT_FOUND", 401, Status.Code.INVALID_ARGUMENT, null),
  SECRET_GET("ERR_SECRET_GET", 500, Status.Code.INTERNAL, null),
  SECRET_PERMISSION_DENIED("ERR_PERMISSION_DENIED", 403, Status.Code.PERMISSION_DENIED, null),

  // Service invocation (tandem.sidecar.invoke). Dapr renders every invocation failure as
  // ERR_DIRECT_INVOKE "failed to invoke, id: <app>, err: <cause>"; the status tells them apart.
  DIRECT_INVOKE("ERR_DIRECT_INVOKE", 500, Status.Code.INTERNAL, null),
  DIRECT_INVOKE_INVALID_METHOD("ERR_DIRECT_INVOKE", 400, Status.Code.INVALID_ARGUMENT, null),
  DIRECT_INVOKE_NO_APP_ID("ERR_DIRECT_INVOKE", 404, Status.Code.NOT_FOUND, null),

  // Bindings (tandem.sidecar.bindings). Dapr answers every output binding failure, an unknown
  // binding or operation included, with ERR_INVOKE_OUTPUT_BINDING and 500 / INTERNAL; over gRPC its
  // ErrorInfo reason is the code itself.
  INVOKE_OUTPUT_BINDING(
      "ERR_INVOKE_OUTPUT_BINDING", 500, Status.Code.INTERNAL, "ERR_INVOKE_OUTPUT_BINDING"),

  // Pub/sub (tandem.sidecar.pubsub), as Dapr's pkg/api/errors/pubsub.go: statuses, codes and
  // ErrorInfo reasons. A malformed CloudEvent is 500 over HTTP (INVALID_ARGUMENT over gRPC) in
  // Dapr.
  PUBSUB_NOT_CONFIGURED(
      "ERR_PUBSUB_NOT_CONFIGURED",
      400,
      Status.Code.FAILED_PRECONDITION,
      "DAPR_PUBSUB_NOT_CONFIGURED"),
  PUBSUB_NAME_EMPTY(
      "ERR_PUBSUB_EMPTY", 404, Status.Code.INVALID_ARGUMENT, "DAPR_PUBSUB_NAME_EMPTY"),
  PUBSUB_NOT_FOUND(
      "ERR_PUBSUB_NOT_FOUND", 404, Status.Code.INVALID_ARGUMENT, "DAPR_PUBSUB_NOT_FOUND"),
  PUBSUB_TOPIC_EMPTY(
      "ERR_TOPIC_NAME_EMPTY", 404, Status.Code.INVALID_ARGUMENT, "DAPR_PUBSUB_TOPIC_NAME_EMPTY"),
  PUBSUB_FORBIDDEN(
      "ERR_PUBSUB_FORBIDDEN", 403, Status.Code.PERMISSION_DENIED, "DAPR_PUBSUB_FORBIDDEN"),
  PUBSUB_PUBLISH_MESSAGE(
      "ERR_PUBSUB_PUBLISH_MESSAGE", 500, Status.Code.INTERNAL, "DAPR_PUBSUB_PUBLISH_MESSAGE"),
  PUBSUB_REQUEST_METADATA(
      "ERR_PUBSUB_REQUEST_METADATA",
      400,
      Status.Code.INVALID_ARGUMENT,
      "DAPR_PUBSUB_METADATA_DESERIALIZATION"),
  PUBSUB_CLOUD_EVENTS_SER(
      "ERR_PUBSUB_CLOUD_EVENTS_SER",
      500,
      Status.Code.INVALID_ARGUMENT,
      "DAPR_PUBSUB_CLOUD_EVENT_CREATION"),
  PUBSUB_MARSHAL_ENVELOPE(
      "ERR_PUBSUB_EVENTS_SER", 400, Status.Code.INVALID_ARGUMENT, "DAPR_PUBSUB_MARSHAL_ENVELOPE"),
  PUBSUB_MARSHAL_EVENTS(
      "ERR_PUBSUB_EVENTS_SER", 400, Status.Code.INVALID_ARGUMENT, "DAPR_PUBSUB_MARSHAL_EVENTS"),
  PUBSUB_UNMARSHAL_EVENTS(
      "ERR_PUBSUB_EVENTS_SER", 400, Status.Code.INVALID_ARGUMENT, "DAPR_PUBSUB_UNMARSHAL_EVENTS"),

  // Configuration (tandem.sidecar.configuration), as Dapr's pkg/api/{http,grpc}: over gRPC the
  // errors carry an ErrorInfo whose reason is the code. A failed subscription is 500 over HTTP and
  // INVALID_ARGUMENT over gRPC in Dapr.
  CONFIGURATION_STORE_NOT_CONFIGURED(
      "ERR_CONFIGURATION_STORE_NOT_CONFIGURED",
      500,
      Status.Code.FAILED_PRECONDITION,
      "ERR_CONFIGURATION_STORE_NOT_CONFIGURED"),
  CONFIGURATION_STORE_NOT_FOUND(
      "ERR_CONFIGURATION_STORE_NOT_FOUND",
      400,
      Status.Code.INVALID_ARGUMENT,
      "ERR_CONFIGURATION_STORE_NOT_FOUND"),
  CONFIGURATION_GET("ERR_CONFIGURATION_GET", 500, Status.Code.INTERNAL, "ERR_CONFIGURATION_GET"),
  CONFIGURATION_SUBSCRIBE(
      "ERR_CONFIGURATION_SUBSCRIBE",
      500,
      Status.Code.INVALID_ARGUMENT,
      "ERR_CONFIGURATION_SUBSCRIBE"),
  CONFIGURATION_UNSUBSCRIBE("ERR_CONFIGURATION_UNSUBSCRIBE", 500, Status.Code.INTERNAL, null),
  /** An HTTP configuration subscription needs an app to push the updates to. */
  APP_CHANNEL_NIL("ERR_APP_CHANNEL_NIL", 500, Status.Code.INTERNAL, null),

  // Distributed lock (tandem.sidecar.lock), as Dapr's messages.ErrLock*: no ErrorInfo. Missing
  // fields are ERR_MALFORMED_REQUEST (MALFORMED_REQUEST above).
  LOCK_STORE_NOT_CONFIGURED(
      "ERR_LOCK_STORE_NOT_CONFIGURED", 500, Status.Code.FAILED_PRECONDITION, null),
  LOCK_STORE_NOT_FOUND("ERR_LOCK_STORE_NOT_FOUND", 400, Status.Code.INVALID_ARGUMENT, null),
  TRY_LOCK("ERR_TRY_LOCK", 500, Status.Code.INTERNAL, null),
  UNLOCK("ERR_UNLOCK", 500, Status.Code.INTERNAL, null),

  // Metadata and health.
  METADATA_GET("ERR_METADATA_GET", 500, Status.Code.INTERNAL, null),
  HEALTH_NOT_READY("ERR_HEALTH_NOT_READY", 500, Status.Code.UNAVAILABLE, null),
  OUTBOUND_HEALTH_NOT_READY("ERR_OUTBOUND_HEALTH_NOT_READY", 500, Status.Code.UNAVAILABLE, null);

  /** The {@code google.rpc.ErrorInfo} domain Dapr uses. */
  public static final String DOMAIN = "dapr.io";

  private final String code;
  private final int httpStatus;
  private final Status.Code grpcCode;
  private final String reason;

  ApiError(String code, int httpStatus, Status.Code grpcCode, String reason) {
    this.code = code;
    this.httpStatus = httpStatus;
    this.grpcCode = grpcCode;
    this.reason = reason;
  }

  /**
   * Dapr's {@code errorCode}. Empty for the entries that only qualify a status and reason (ETag and
   * request errors), whose code comes from the operation that failed.
   */
  public String code() {
    return code;
  }

  public int httpStatus() {
    return httpStatus;
  }

  public Status.Code grpcCode() {
    return grpcCode;
  }

  /** The ErrorInfo reason, or null when Dapr attaches none. */
  public String reason() {
    return reason;
  }

  public ApiException exception(String message) {
    return new ApiException(this, code, message, java.util.Map.of());
  }
}
