package io.tandem.components.bindings.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HttpBindingConfigTest {

  private static HttpBindingConfig from(String... kv) {
    Map<String, String> md = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      md.put(kv[i], kv[i + 1]);
    }
    return HttpBindingConfig.from(new ComponentMetadata("web", md));
  }

  @Test
  void defaultsAreDaprs() {
    HttpBindingConfig c = from("url", "https://api.example.test/v2");
    assertThat(c.url()).isEqualTo(URI.create("https://api.example.test/v2"));
    assertThat(c.maxResponseBodySize()).isEqualTo(100L * 1024 * 1024);
    assertThat(c.errorIfNot2XX()).isTrue();
    assertThat(c.securityToken()).isNull();
    assertThat(c.securityTokenHeader()).isNull();
    assertThat(c.responseTimeout()).isNull();
  }

  @Test
  void readsTheOptionalKeys() {
    HttpBindingConfig c =
        from(
            "URL", " http://localhost:9000 ",
            "maxResponseBodySize", "20Ki",
            "errorIfNot2XX", "false",
            "securityToken", "tok",
            "securityTokenHeader", "Authorization",
            "responseTimeout", "1m30s");
    assertThat(c.url()).isEqualTo(URI.create("http://localhost:9000"));
    assertThat(c.maxResponseBodySize()).isEqualTo(20 * 1024);
    assertThat(c.errorIfNot2XX()).isFalse();
    assertThat(c.securityToken()).isEqualTo("tok");
    assertThat(c.securityTokenHeader()).isEqualTo("Authorization");
    assertThat(c.responseTimeout()).isEqualTo(Duration.ofSeconds(90));
  }

  @Test
  void urlIsRequired() {
    assertThatThrownBy(() -> from())
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("'url' is required");
  }

  @ParameterizedTest
  @ValueSource(strings = {"ftp://host/x", "not a url", "/relative/path", "http:///nohost"})
  void urlMustBeAbsoluteHttp(String url) {
    assertThatThrownBy(() -> from("url", url))
        .isInstanceOfSatisfying(
            ComponentException.class,
            e -> assertThat(e.reason()).isEqualTo(ComponentException.Reason.INVALID_ARGUMENT))
        .hasMessageContaining("'url'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"MTLSRootCA", "MTLSClientCert", "MTLSClientKey", "MTLSRenegotiation"})
  void mtlsSettingsAreRefusedRatherThanIgnored(String key) {
    assertThatThrownBy(() -> from("url", "https://h", key, "/etc/x.pem"))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining(key)
        .hasMessageContaining("not supported");
  }

  @Test
  void badSizeIsRefusedNamingTheKey() {
    assertThatThrownBy(() -> from("url", "http://h", "maxResponseBodySize", "lots"))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("'maxResponseBodySize'");
  }

  @ParameterizedTest(name = "{0} is {1} bytes")
  @CsvSource({
    "200, 200",
    "1k, 1000",
    "10Ki, 10240",
    "1M, 1000000",
    "100Mi, 104857600",
    "1G, 1000000000",
    "1Gi, 1073741824",
    "1.5Ki, 1536",
    "0, 0",
    "-1, -1"
  })
  void sizesAreKubernetesQuantities(String text, long bytes) {
    assertThat(ByteSize.parse(text)).isEqualTo(bytes);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "Mi", "10 Mi", "10MB", "9Ei", "ten"})
  void malformedSizesAreRefused(String text) {
    assertThatThrownBy(() -> ByteSize.parse(text)).isInstanceOf(IllegalArgumentException.class);
  }
}
