package io.tandem.sidecar.lock;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.dapr.v1.DaprLockProtos.TryLockRequest;
import io.dapr.v1.DaprLockProtos.TryLockResponse;
import io.dapr.v1.DaprLockProtos.UnlockRequest;
import io.dapr.v1.DaprLockProtos.UnlockResponse;
import io.tandem.sidecar.api.ApiError;
import java.nio.charset.StandardCharsets;

/**
 * The lock API's HTTP bodies. Requests are read as Dapr reads them, with protobuf's JSON mapping:
 * {@code resourceId} or {@code resource_id}, numbers given as numbers or strings, unknown fields
 * ignored, an empty body as an empty request; the store name comes from the path.
 */
public final class LockJson {
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

  private LockJson() {}

  public static TryLockRequest tryLockRequest(String storeName, byte[] body) {
    TryLockRequest.Builder b = TryLockRequest.newBuilder();
    merge(body, b);
    return b.setStoreName(storeName).build();
  }

  public static UnlockRequest unlockRequest(String storeName, byte[] body) {
    UnlockRequest.Builder b = UnlockRequest.newBuilder();
    merge(body, b);
    return b.setStoreName(storeName).build();
  }

  /** {@code {"success":true|false}}, false included. */
  public static String tryLockResponse(TryLockResponse res) {
    return "{\"success\":" + res.getSuccess() + "}";
  }

  /** {@code {"status":N}}: the status as its number, 0 included, as Dapr sends it. */
  public static String unlockResponse(UnlockResponse res) {
    return "{\"status\":" + res.getStatusValue() + "}";
  }

  private static void merge(byte[] body, Message.Builder into) {
    if (body == null || body.length == 0) {
      return;
    }
    try {
      PARSER.merge(new String(body, StandardCharsets.UTF_8), into);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw ApiError.MALFORMED_REQUEST.exception(
          "failed deserializing HTTP body: " + e.getMessage());
    }
  }
}
