package io.tandem.sidecar.bindings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dapr.v1.DaprBindingsProtos.InvokeBindingRequest;
import io.tandem.sidecar.api.ApiError;
import io.tandem.sidecar.api.ApiException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OutputBindingJsonTest {

  private static InvokeBindingRequest decode(String body) {
    return decode(body, Map.of());
  }

  private static InvokeBindingRequest decode(String body, Map<String, String> headers) {
    return OutputBindingJson.decode("web", body.getBytes(StandardCharsets.UTF_8), headers::get);
  }

  @Test
  void readsOperationMetadataAndData() {
    InvokeBindingRequest r =
        decode(
            "{\"operation\":\"create\",\"metadata\":{\"path\":\"/x\",\"Content-Type\":\"text/plain\"},"
                + "\"data\":{\"message\":\"Hi\",\"n\":[1,2]}}");
    assertThat(r.getName()).isEqualTo("web");
    assertThat(r.getOperation()).isEqualTo("create");
    assertThat(r.getMetadataMap())
        .containsExactlyInAnyOrderEntriesOf(Map.of("path", "/x", "Content-Type", "text/plain"));
    assertThat(r.getData().toStringUtf8()).isEqualTo("{\"message\":\"Hi\",\"n\":[1,2]}");
  }

  @Test
  void dataIsPassedAsItsJsonEncodingAsDaprDoes() {
    assertThat(decode("{\"operation\":\"create\",\"data\":\"hello\"}").getData().toStringUtf8())
        .isEqualTo("\"hello\"");
    assertThat(decode("{\"operation\":\"create\",\"data\":42}").getData().toStringUtf8())
        .isEqualTo("42");
    assertThat(decode("{\"operation\":\"get\"}").getData().toStringUtf8()).isEqualTo("null");
    assertThat(decode("{\"operation\":\"get\",\"data\":null}").getData().toStringUtf8())
        .isEqualTo("null");
  }

  @Test
  void missingOperationDecodesAsEmpty() {
    assertThat(decode("{\"data\":1}").getOperation()).isEmpty();
    assertThat(decode("{\"operation\":null}").getOperation()).isEmpty();
  }

  @Test
  void traceContextHeadersBecomeMetadataUnlessGiven() {
    InvokeBindingRequest r =
        decode(
            "{\"operation\":\"get\",\"metadata\":{\"tracestate\":\"mine\"}}",
            Map.of(
                "traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                "tracestate", "theirs"));
    assertThat(r.getMetadataMap())
        .containsEntry("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
        .containsEntry("tracestate", "mine")
        .doesNotContainKey("baggage");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "not json",
        "{\"operation\":",
        "[1,2]",
        "\"create\"",
        "{\"operation\":5}",
        "{\"operation\":\"get\",\"metadata\":[\"a\"]}",
        "{\"operation\":\"get\",\"metadata\":{\"n\":1}}"
      })
  void malformedBodiesAreBadRequests(String body) {
    assertThatThrownBy(() -> decode(body))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.error()).isEqualTo(ApiError.MALFORMED_REQUEST);
              assertThat(e.errorCode()).isEqualTo("ERR_MALFORMED_REQUEST");
              assertThat(e.getMessage()).startsWith("failed deserializing HTTP body: ");
            });
  }
}
