package io.tandem.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad requests get Dapr's error body and status, never a stack trace, and the sidecar keeps
 * serving: after each case a good request must still succeed.
 */
class BadInputIT {
  @TempDir static Path dir;
  static SidecarProcess sidecar;
  static final HttpClient http = HttpClient.newHttpClient();
  static final ObjectMapper json = new ObjectMapper();

  @BeforeAll
  static void start() throws Exception {
    sidecar =
        SidecarProcess.launch(
                "badinput", ResourceFiles.standard(dir), Map.of(), "--max-body-size", "64Ki")
            .awaitHealthy(Duration.ofSeconds(60));
  }

  @AfterAll
  static void stop() throws Exception {
    if (sidecar != null) {
      sidecar.close();
    }
  }

  @AfterEach
  void stillServing() throws Exception {
    assertThat(
            send("POST", "/v1.0/state/statestore", "[{\"key\":\"alive\",\"value\":true}]")
                .statusCode())
        .isEqualTo(204);
    assertThat(send("GET", "/v1.0/state/statestore/alive", null).body()).isEqualTo("true");
    assertThat(sidecar.isAlive()).isTrue();
  }

  @Test
  void malformedJson() throws Exception {
    assertError(
        send("POST", "/v1.0/state/statestore", "[{\"key\": \"a\", "), 400, "ERR_MALFORMED_REQUEST");
    assertError(
        send("POST", "/v1.0/state/statestore", "{\"key\":\"a\"}"), 400, "ERR_MALFORMED_REQUEST");
    assertError(
        send("POST", "/v1.0/state/statestore", "[{\"value\":1}]"), 400, "ERR_MALFORMED_REQUEST");
    assertError(
        send("POST", "/v1.0/state/statestore/bulk", "{\"keys\":\"k\"}"),
        400,
        "ERR_MALFORMED_REQUEST");
    assertError(
        send(
            "POST",
            "/v1.0/state/statestore/transaction",
            "{\"operations\":[{\"operation\":\"merge\",\"request\":{\"key\":\"k\"}}]}"),
        400,
        "ERR_NOT_SUPPORTED_STATE_OPERATION");
  }

  @Test
  void unknownStore() throws Exception {
    JsonNode body =
        assertError(send("GET", "/v1.0/state/nosuch/k", null), 400, "ERR_STATE_STORE_NOT_FOUND");
    assertThat(body.path("details").get(0).path("reason").asText())
        .isEqualTo("DAPR_STATE_NOT_FOUND");
    assertError(send("GET", "/v1.0/secrets/nosuch/k", null), 401, "ERR_SECRET_STORE_NOT_FOUND");
  }

  @Test
  void malformedAndStaleEtags() throws Exception {
    send("POST", "/v1.0/state/sqlitestore", "[{\"key\":\"e\",\"value\":1}]");
    assertError(
        send(
            "POST",
            "/v1.0/state/sqlitestore",
            "[{\"key\":\"e\",\"value\":2,\"etag\":\"not-a-number\"}]"),
        400,
        "ERR_STATE_SAVE");
    assertError(
        send(
            "POST", "/v1.0/state/sqlitestore", "[{\"key\":\"e\",\"value\":2,\"etag\":\"999999\"}]"),
        409,
        "ERR_STATE_SAVE");
    HttpResponse<String> del =
        http.send(
            HttpRequest.newBuilder(URI.create(sidecar.httpBase() + "/v1.0/state/sqlitestore/e"))
                .header("If-Match", "999999")
                .DELETE()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertError(del, 409, "ERR_STATE_DELETE");
    assertThat(send("GET", "/v1.0/state/sqlitestore/e", null).body()).isEqualTo("1");
  }

  @Test
  void nonNumericTtlIsRefused() throws Exception {
    assertError(
        send(
            "POST",
            "/v1.0/state/statestore",
            "[{\"key\":\"t\",\"value\":1,\"metadata\":{\"ttlInSeconds\":\"soon\"}}]"),
        400,
        "ERR_STATE_SAVE");
  }

  @Test
  void bodyOverMaxBodySize() throws Exception {
    String big = "[{\"key\":\"big\",\"value\":\"" + "x".repeat(70 * 1024) + "\"}]";
    assertError(send("POST", "/v1.0/state/statestore", big), 413, "ERR_MALFORMED_REQUEST");
    assertThat(send("GET", "/v1.0/state/statestore/big", null).statusCode()).isEqualTo(204);
  }

  @Test
  void unknownRouteAndMethod() throws Exception {
    assertError(send("GET", "/v1.0/nothing/here", null), 404, "ERR_NOT_FOUND");
    assertError(send("GET", "/", null), 404, "ERR_NOT_FOUND");
    assertError(send("PATCH", "/v1.0/state/statestore", "[]"), 405, "ERR_METHOD_NOT_ALLOWED");
  }

  @Test
  void keyContainingThePrefixSeparatorIsRefused() throws Exception {
    assertError(
        send("POST", "/v1.0/state/statestore", "[{\"key\":\"a||b\",\"value\":1}]"),
        400,
        "ERR_MALFORMED_REQUEST");
  }

  static HttpResponse<String> send(String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(sidecar.httpBase() + path));
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode assertError(HttpResponse<String> r, int status, String code) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    JsonNode body = json.readTree(r.body());
    assertThat(body.path("errorCode").asText()).isEqualTo(code);
    assertThat(body.path("message").asText())
        .isNotBlank()
        .doesNotContain("Exception")
        .doesNotContain("\tat ");
    return body;
  }
}
