package io.tandem.components.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentException.Reason;
import io.tandem.components.ComponentMetadata;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RedisSettingsTest {
  static String pem(String name) throws IOException {
    try (InputStream in = RedisSettingsTest.class.getResourceAsStream("/tls/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }
  }

  private static Map<String, String> md(String... keyValues) {
    Map<String, String> md = new HashMap<>();
    md.put("redisHost", "localhost:6379");
    for (int i = 0; i < keyValues.length; i += 2) {
      md.put(keyValues[i], keyValues[i + 1]);
    }
    return md;
  }

  private static RedisSettings settings(String... keyValues) {
    return RedisSettings.from(new ComponentMetadata("c", md(keyValues)));
  }

  private static void assertRefused(String key, String... keyValues) {
    assertThatThrownBy(() -> settings(keyValues))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining(key)
        .satisfies(
            e -> assertThat(((ComponentException) e).reason()).isEqualTo(Reason.INVALID_ARGUMENT));
  }

  @Test
  void timeoutsFollowDapr() {
    assertThat(settings().readTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(settings().writeTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(settings("readTimeout", "0").readTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(settings("readTimeout", "-1").readTimeout()).as("no limit").isNull();
    assertThat(settings("readTimeout", "-1").writeTimeout()).isNull();
    assertThat(settings("readTimeout", "250ms", "writeTimeout", "2s").writeTimeout())
        .isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void theBackOffDoublesFromTheMinimumToTheMaximum() {
    RedisSettings s = settings();
    assertThat(s.retryDelay(1)).isEqualTo(Duration.ofMillis(8));
    assertThat(s.retryDelay(2)).isEqualTo(Duration.ofMillis(16));
    assertThat(s.retryDelay(7)).isEqualTo(Duration.ofMillis(512));
    assertThat(s.retryDelay(8)).isEqualTo(Duration.ofMillis(512));
    assertThat(s.retryDelay(1000)).isEqualTo(Duration.ofMillis(512));

    RedisSettings slow = settings("redisMinRetryInterval", "1s", "redisMaxRetryInterval", "3s");
    assertThat(slow.retryDelay(2)).isEqualTo(Duration.ofSeconds(2));
    assertThat(slow.retryDelay(3)).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void redisPortCompletesHostsGivenWithoutOne() {
    assertThat(settings("redisHost", "redis", "redisPort", "6380").hosts())
        .containsExactly("redis:6380");
    assertThat(settings("redisHost", "a:6380, b", "redisPort", "6380").hosts())
        .containsExactly("a:6380", "b:6380");
    assertRefused("redisPort", "redisHost", "a:6379", "redisPort", "6380");
    assertRefused("redisPort", "redisPort", "70000");
    assertRefused("redisPort", "redisPort", "six");
    assertRefused("redisHost", "redisHost", "redis");
  }

  @Test
  void credentialsAndSchemesTandemDoesNotImplementAreRefusedRatherThanIgnored() {
    assertRefused("sentinelUsername", "failover", "true", "sentinelUsername", "admin");
    assertRefused("sentinelPassword", "failover", "true", "sentinelPassword", "pw");
    assertRefused("useEntraID", "useEntraID", "true");
    assertRefused("useEntraID", "useAzureAD", "true");
    assertRefused("useOIDC", "useOIDC", "true");
    assertThat(settings("useEntraID", "false", "sentinelPassword", "").hosts()).hasSize(1);
  }

  @Test
  void tlsChecksTheServerUnlessToldNotTo() {
    NetClientOptions plain = settings().netClientOptions();
    assertThat(plain.isSsl()).isFalse();

    NetClientOptions verified = settings("enableTLS", "true").netClientOptions();
    assertThat(verified.isSsl()).isTrue();
    assertThat(verified.isTrustAll()).isFalse();
    assertThat(verified.getHostnameVerificationAlgorithm()).isEqualTo("HTTPS");

    NetClientOptions insecure =
        settings("enableTLS", "true", "insecureSkipTLSVerify", "true").netClientOptions();
    assertThat(insecure.isTrustAll()).isTrue();
    assertThat(insecure.getHostnameVerificationAlgorithm()).isEmpty();

    assertRefused("insecureSkipTLSVerify", "insecureSkipTLSVerify", "maybe");
  }

  @Test
  void aClientCertificateIsOfferedWithTls() throws IOException {
    String cert = pem("client.pem");
    String key = pem("client-key.pem");
    RedisSettings s = settings("enableTLS", "true", "clientCert", cert, "clientKey", key);

    assertThat(s.netClientOptions().getKeyCertOptions())
        .isInstanceOfSatisfying(
            PemKeyCertOptions.class,
            o -> {
              assertThat(o.getCertValues()).hasSize(1);
              assertThat(o.getCertValues().get(0).toString()).isEqualTo(cert);
              assertThat(o.getKeyValues().get(0).toString()).isEqualTo(key);
            });
    assertThat(s.toString()).doesNotContain("PRIVATE").doesNotContain("CERTIFICATE");
    assertThat(s.redact("oops: " + key)).doesNotContain(key);
  }

  @Test
  void aClientCertificateNeedsItsKeyAndTls() throws IOException {
    String cert = pem("client.pem");
    String key = pem("client-key.pem");
    assertRefused("clientKey", "enableTLS", "true", "clientCert", cert);
    assertRefused("clientCert", "enableTLS", "true", "clientKey", key);
    assertRefused("enableTLS", "clientCert", cert, "clientKey", key);
  }

  @Test
  void anUnreadableClientCertificateFailsInitNamingTheKeys() {
    Map<String, String> md =
        md(
            "enableTLS",
            "true",
            "clientCert",
            "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n",
            "clientKey",
            "-----BEGIN PRIVATE KEY-----\nsecret-looking\n-----END PRIVATE KEY-----\n");
    assertThatThrownBy(
            () ->
                RedisLink.open(
                    new ComponentMetadata("c", md),
                    ComponentContext.of("app", "", Runnable::run, Map.of())))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("clientCert")
        .hasMessageContaining("clientKey")
        .hasMessageNotContaining("secret-looking")
        .satisfies(
            e -> assertThat(((ComponentException) e).reason()).isEqualTo(Reason.INVALID_ARGUMENT));
  }
}
