package io.tandem.components.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class KafkaSettingsTest {
  private static final ComponentContext STANDALONE =
      ComponentContext.of("checkout", "", Runnable::run, Map.of());

  private static KafkaSettings parse(String... kv) {
    return parse(STANDALONE, kv);
  }

  private static KafkaSettings parse(ComponentContext ctx, String... kv) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return KafkaSettings.parse(new ComponentMetadata("kafka", m), ctx, true);
  }

  @Test
  void daprDefaults() {
    KafkaSettings s = parse("brokers", "a:9092, b:9093", "authType", "none");

    assertThat(s.brokers).isEqualTo("a:9092,b:9093");
    assertThat(s.consumerGroup).isEqualTo("checkout");
    assertThat(s.clientId).isEqualTo("checkout");
    assertThat(s.tls).isFalse();
    assertThat(s.initialOffset).isEqualTo(KafkaSettings.InitialOffset.NEWEST);
    assertThat(s.heartbeatInterval).isEqualTo(Duration.ofSeconds(3));
    assertThat(s.sessionTimeout).isEqualTo(Duration.ofSeconds(10));
    assertThat(s.consumeRetryInterval).isEqualTo(Duration.ofMillis(100));
    assertThat(s.channelBufferSize).isEqualTo(256);
    Properties c = s.consumer(s.consumerGroup);
    assertThat(c.getProperty("security.protocol")).isEqualTo("PLAINTEXT");
    assertThat(c.getProperty("enable.auto.commit")).isEqualTo("false");
    assertThat(c.getProperty("group.id")).isEqualTo("checkout");
    assertThat(c.getProperty("heartbeat.interval.ms")).isEqualTo("3000");
    assertThat(c.getProperty("session.timeout.ms")).isEqualTo("10000");
    Properties p = s.producer();
    assertThat(p.getProperty("acks")).isEqualTo("all");
    assertThat(p.getProperty("enable.idempotence")).isEqualTo("true");
  }

  @Test
  void consumerGroupBeatsConsumerIdWhichBeatsTheAppId() {
    assertThat(parse("brokers", "a:1", "authType", "none", "consumerID", "c1").consumerGroup)
        .isEqualTo("c1");
    assertThat(
            parse("brokers", "a:1", "authType", "none", "consumerID", "c1", "consumerGroup", "g")
                .consumerGroup)
        .isEqualTo("g");
  }

  @Test
  void clientIdIsNamespaceDotAppIdInKubernetes() {
    ComponentContext k8s = ComponentContext.of("checkout", "shop", Runnable::run, Map.of());
    assertThat(parse(k8s, "brokers", "a:1", "authType", "none").clientId)
        .isEqualTo("shop.checkout");
    assertThat(parse(k8s, "brokers", "a:1", "authType", "none", "clientId", "mine").clientId)
        .isEqualTo("mine");
  }

  @Test
  void passwordAuthIsSaslOverTlsUnlessTlsIsDisabled() {
    KafkaSettings tls =
        parse(
            "brokers",
            "a:1",
            "authType",
            "password",
            "saslUsername",
            "u",
            "saslPassword",
            "p\"w",
            "saslMechanism",
            "SHA-512");
    assertThat(tls.common().getProperty("security.protocol")).isEqualTo("SASL_SSL");
    assertThat(tls.common().getProperty("sasl.mechanism")).isEqualTo("SCRAM-SHA-512");
    assertThat(tls.common().getProperty("sasl.jaas.config"))
        .isEqualTo(
            "org.apache.kafka.common.security.scram.ScramLoginModule required"
                + " username=\"u\" password=\"p\\\"w\";");

    KafkaSettings plain =
        parse(
            "brokers",
            "a:1",
            "authType",
            "password",
            "saslUsername",
            "u",
            "saslPassword",
            "pw",
            "disableTls",
            "true");
    assertThat(plain.common().getProperty("security.protocol")).isEqualTo("SASL_PLAINTEXT");
    assertThat(plain.common().getProperty("sasl.mechanism")).isEqualTo("PLAIN");
  }

  @Test
  void thePasswordIsNeverInToString() {
    KafkaSettings s =
        parse(
            "brokers",
            "a:1",
            "authType",
            "password",
            "saslUsername",
            "alice",
            "saslPassword",
            "s3cr3t-value");
    assertThat(s.toString()).contains("alice").doesNotContain("s3cr3t-value");
  }

  @Test
  void legacyAuthRequiredIsUpgradedAsDaprDoes() {
    assertThat(parse("brokers", "a:1", "authRequired", "false").auth)
        .isEqualTo(KafkaSettings.Auth.NONE);
    assertThat(
            parse(
                    "brokers",
                    "a:1",
                    "authRequired",
                    "true",
                    "saslUsername",
                    "u",
                    "saslPassword",
                    "p")
                .auth)
        .isEqualTo(KafkaSettings.Auth.PASSWORD);
  }

  @Test
  void badMetadataNamesTheKey() {
    assertRefused("authType", "brokers", "a:1");
    assertRefused("brokers", "authType", "none");
    assertRefused("brokers", "brokers", "nohost", "authType", "none");
    assertRefused("authType", "brokers", "a:1", "authType", "mtls");
    assertRefused("authType", "brokers", "a:1", "authType", "oidc");
    assertRefused("authType", "brokers", "a:1", "authType", "awsiam");
    assertRefused("saslPassword", "brokers", "a:1", "authType", "password", "saslUsername", "u");
    assertRefused(
        "saslMechanism",
        "brokers",
        "a:1",
        "authType",
        "password",
        "saslUsername",
        "u",
        "saslPassword",
        "p",
        "saslMechanism",
        "GSSAPI");
    assertRefused("initialOffset", "brokers", "a:1", "authType", "none", "initialOffset", "x");
    assertRefused("caCert", "brokers", "a:1", "authType", "certificate");
    assertRefused(
        "heartbeatInterval",
        "brokers",
        "a:1",
        "authType",
        "none",
        "heartbeatInterval",
        "20s",
        "sessionTimeout",
        "10s");
    assertRefused("compression", "brokers", "a:1", "authType", "none", "compression", "brotli");
    assertRefused(
        "consumerGroupRebalanceStrategy",
        "brokers",
        "a:1",
        "authType",
        "none",
        "consumerGroupRebalanceStrategy",
        "fair");
    assertRefused(
        "schemaRegistryURL", "brokers", "a:1", "authType", "none", "schemaRegistryURL", "http://x");
  }

  @Test
  void consumeRetryIntervalTakesBareNumbersAsMilliseconds() {
    assertThat(
            parse("brokers", "a:1", "authType", "none", "consumeRetryInterval", "250")
                .consumeRetryInterval)
        .isEqualTo(Duration.ofMillis(250));
    assertThat(
            parse("brokers", "a:1", "authType", "none", "consumeRetryInterval", "2s")
                .consumeRetryInterval)
        .isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void rebalanceStrategiesMapToAssignors() {
    assertThat(parse("brokers", "a:1", "authType", "none").assignors)
        .containsExactly(
            "org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
            "org.apache.kafka.clients.consumer.RangeAssignor");
    assertThat(
            parse("brokers", "a:1", "authType", "none", "consumerGroupRebalanceStrategy", "sticky")
                .assignors)
        .containsExactly("org.apache.kafka.clients.consumer.StickyAssignor");
  }

  private static void assertRefused(String key, String... kv) {
    assertThatThrownBy(() -> parse(kv))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("'" + key + "'")
        .satisfies(
            e ->
                assertThat(((ComponentException) e).reason())
                    .isEqualTo(ComponentException.Reason.INVALID_ARGUMENT));
  }
}
