package io.tandem.sidecar.lock;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dapr.v1.DaprLockProtos.TryLockRequest;
import io.dapr.v1.DaprLockProtos.TryLockResponse;
import io.dapr.v1.DaprLockProtos.UnlockRequest;
import io.dapr.v1.DaprLockProtos.UnlockResponse;
import io.tandem.sidecar.api.ApiError;
import io.tandem.sidecar.api.ApiException;
import org.junit.jupiter.api.Test;

class LockJsonTest {
  @Test
  void readsTheDocumentedBody() {
    TryLockRequest r =
        LockJson.tryLockRequest(
            "store",
            "{\"resourceId\":\"r1\",\"lockOwner\":\"vader\",\"expiryInSeconds\":60}"
                .getBytes(UTF_8));
    assertThat(r.getStoreName()).isEqualTo("store");
    assertThat(r.getResourceId()).isEqualTo("r1");
    assertThat(r.getLockOwner()).isEqualTo("vader");
    assertThat(r.getExpiryInSeconds()).isEqualTo(60);
  }

  @Test
  void acceptsProtoNamesStringNumbersAndUnknownFieldsAndThePathWinsForTheStore() {
    TryLockRequest r =
        LockJson.tryLockRequest(
            "fromPath",
            ("{\"resource_id\":\"r1\",\"lock_owner\":\"o\",\"expiryInSeconds\":\"5\","
                    + "\"storeName\":\"fromBody\",\"extra\":{\"x\":1}}")
                .getBytes(UTF_8));
    assertThat(r.getResourceId()).isEqualTo("r1");
    assertThat(r.getLockOwner()).isEqualTo("o");
    assertThat(r.getExpiryInSeconds()).isEqualTo(5);
    assertThat(r.getStoreName()).isEqualTo("fromPath");
  }

  @Test
  void anEmptyBodyIsAnEmptyRequest() {
    UnlockRequest r = LockJson.unlockRequest("s", new byte[0]);
    assertThat(r.getResourceId()).isEmpty();
    assertThat(r.getLockOwner()).isEmpty();
  }

  @Test
  void malformedBodiesAreMalformedRequests() {
    for (String bad : new String[] {"{", "[1]", "{\"expiryInSeconds\":\"soon\"}", "nope"}) {
      assertThatThrownBy(() -> LockJson.tryLockRequest("s", bad.getBytes(UTF_8)))
          .as(bad)
          .isInstanceOfSatisfying(
              ApiException.class,
              e -> {
                assertThat(e.error()).isEqualTo(ApiError.MALFORMED_REQUEST);
                assertThat(e.getMessage()).startsWith("failed deserializing HTTP body: ");
              });
    }
  }

  @Test
  void responsesCarryFalseAndZeroAndTheStatusAsANumber() {
    assertThat(LockJson.tryLockResponse(TryLockResponse.newBuilder().setSuccess(false).build()))
        .isEqualTo("{\"success\":false}");
    assertThat(LockJson.tryLockResponse(TryLockResponse.newBuilder().setSuccess(true).build()))
        .isEqualTo("{\"success\":true}");
    assertThat(LockJson.unlockResponse(UnlockResponse.getDefaultInstance()))
        .isEqualTo("{\"status\":0}");
    assertThat(
            LockJson.unlockResponse(
                UnlockResponse.newBuilder()
                    .setStatus(UnlockResponse.Status.LOCK_BELONGS_TO_OTHERS)
                    .build()))
        .isEqualTo("{\"status\":2}");
  }
}
