package io.tandem.components.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.pubsub.BackOff;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RabbitMqSettingsTest {

  private static RabbitMqSettings settings(String... kv) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return RabbitMqSettings.from(new ComponentMetadata("mq", m), "orders-app");
  }

  @Test
  void defaultsAreDaprs() {
    RabbitMqSettings s = settings();

    assertThat(s.host).isEqualTo("localhost");
    assertThat(s.port).isEqualTo(5672);
    assertThat(s.tls).isFalse();
    assertThat(s.username).isEqualTo("guest");
    assertThat(s.virtualHost).isEqualTo("/");
    assertThat(s.consumerId).isEqualTo("orders-app");
    assertThat(s.durable).isTrue();
    assertThat(s.deletedWhenUnused).isTrue();
    assertThat(s.autoAck).isFalse();
    assertThat(s.deliveryMode).isZero();
    assertThat(s.requeueInFailure).isFalse();
    assertThat(s.prefetchCount).isZero();
    assertThat(s.reconnectWait).isEqualTo(Duration.ofSeconds(3));
    assertThat(s.single).isFalse();
    assertThat(s.enableDeadLetter).isFalse();
    assertThat(s.exchangeKind).isEqualTo("fanout");
    assertThat(s.defaultTtl).isEmpty();
    assertThat(s.heartBeat).isEqualTo(Duration.ofSeconds(10));
    assertThat(s.backOff).isEqualTo(BackOff.DAPR_DEFAULT);
  }

  @Test
  void connectionStringGivesHostPortUserPasswordAndVhost() {
    RabbitMqSettings s =
        settings("connectionString", "amqp://app%40x:p%3Ass@mq.local:5673/prod%2Fone");

    assertThat(s.host).isEqualTo("mq.local");
    assertThat(s.port).isEqualTo(5673);
    assertThat(s.username).isEqualTo("app@x");
    assertThat(s.password()).isEqualTo("p:ss");
    assertThat(s.virtualHost).isEqualTo("prod/one");
  }

  @Test
  void amqpsDefaultsToPort5671() {
    RabbitMqSettings s = settings("connectionString", "amqps://u:p@mq.example.com");

    assertThat(s.tls).isTrue();
    assertThat(s.port).isEqualTo(5671);
    assertThat(s.virtualHost).isEqualTo("/");
  }

  @Test
  void theDeprecatedHostKeyIsAConnectionString() {
    assertThat(settings("host", "amqp://u:p@h1:1234").host).isEqualTo("h1");
  }

  @Test
  void hostnameUsernameAndPasswordInsteadOfAConnectionString() {
    RabbitMqSettings s =
        settings(
            "protocol", "amqp", "hostname", "rabbit:5700", "username", "bob", "password", "pw");

    assertThat(s.host).isEqualTo("rabbit");
    assertThat(s.port).isEqualTo(5700);
    assertThat(s.username).isEqualTo("bob");
    assertThat(s.password()).isEqualTo("pw");
  }

  @Test
  void aProtocolThatContradictsTheConnectionStringIsRefused() {
    assertThatThrownBy(() -> settings("connectionString", "amqp://h", "protocol", "amqps"))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("'protocol'");
  }

  @Test
  void aBadConnectionStringIsRefusedWithoutRepeatingIt() {
    assertThatThrownBy(() -> settings("connectionString", "http://user:s3cret@h"))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("'connectionString'")
        .hasMessageNotContaining("s3cret");
    assertThatThrownBy(() -> settings("connectionString", "amqp://user:s3cret@h:notaport x"))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("'connectionString'")
        .hasMessageNotContaining("s3cret");
  }

  @Test
  void badValuesNameTheirKey() {
    String[][] cases = {
      {"deliveryMode", "3"},
      {"prefetchCount", "-1"},
      {"concurrencyMode", "many"},
      {"exchangeKind", "x-delayed"},
      {"ttlInSeconds", "0"},
      {"ttlInSeconds", "soon"},
      {"maxLen", "-5"},
      {"maxLenBytes", "big"},
      {"durable", "perhaps"},
      {"reconnectWaitSeconds", "often"},
      {"heartBeat", "fast"},
      {"backOffPolicy", "random"},
    };
    for (String[] c : cases) {
      assertThatThrownBy(() -> settings(c[0], c[1]))
          .as(c[0] + "=" + c[1])
          .isInstanceOf(ComponentException.class)
          .hasMessageContaining("'" + c[0] + "'")
          .extracting(e -> ((ComponentException) e).reason())
          .isEqualTo(ComponentException.Reason.INVALID_ARGUMENT);
    }
  }

  @Test
  void clientCertificatesAndSaslExternalAreRefusedAtInit() {
    for (String key : new String[] {"caCert", "clientCert", "clientKey"}) {
      assertThatThrownBy(() -> settings(key, "-----BEGIN CERTIFICATE-----"))
          .isInstanceOf(ComponentException.class)
          .hasMessageContaining("'" + key + "' is not supported");
    }
    assertThatThrownBy(() -> settings("saslExternal", "true"))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("'saslExternal' is not supported");
  }

  @Test
  void everyDaprKeyIsRead() {
    RabbitMqSettings s =
        settings(
            "consumerID", "billing",
            "durable", "false",
            "deletedWhenUnused", "false",
            "autoAck", "true",
            "deliveryMode", "2",
            "requeueInFailure", "true",
            "prefetchCount", "50",
            "reconnectWait", "7",
            "concurrencyMode", "single",
            "publisherConfirm", "true",
            "enableDeadLetter", "true",
            "maxLen", "1000",
            "maxLenBytes", "1048576",
            "exchangeKind", "topic",
            "ttlInSeconds", "60",
            "clientName", "app-1",
            "heartBeat", "30s",
            "backOffPolicy", "exponential",
            "backOffMaxRetries", "4");

    assertThat(s.consumerId).isEqualTo("billing");
    assertThat(s.durable).isFalse();
    assertThat(s.deletedWhenUnused).isFalse();
    assertThat(s.autoAck).isTrue();
    assertThat(s.deliveryMode).isEqualTo(2);
    assertThat(s.requeueInFailure).isTrue();
    assertThat(s.prefetchCount).isEqualTo(50);
    assertThat(s.reconnectWait).isEqualTo(Duration.ofSeconds(7));
    assertThat(s.single).isTrue();
    assertThat(s.enableDeadLetter).isTrue();
    assertThat(s.maxLen).isEqualTo(1000);
    assertThat(s.maxLenBytes).isEqualTo(1048576);
    assertThat(s.exchangeKind).isEqualTo("topic");
    assertThat(s.defaultTtl).contains(Duration.ofSeconds(60));
    assertThat(s.clientName).isEqualTo("app-1");
    assertThat(s.heartBeat).isEqualTo(Duration.ofSeconds(30));
    assertThat(s.backOff.policy()).isEqualTo(BackOff.Policy.EXPONENTIAL);
    assertThat(s.backOff.maxRetries()).isEqualTo(4);
    assertThat(s.queueName("orders")).isEqualTo("billing-orders");
    assertThat(RabbitMqSettings.deadLetterExchange("billing-orders"))
        .isEqualTo("dlx-billing-orders");
    assertThat(RabbitMqSettings.deadLetterQueue("billing-orders")).isEqualTo("dlq-billing-orders");
  }

  @Test
  void reconnectWaitSecondsWinsOverReconnectWait() {
    assertThat(settings("reconnectWaitSeconds", "2", "reconnectWait", "9").reconnectWait)
        .isEqualTo(Duration.ofSeconds(2));
    assertThat(settings("reconnectWaitSeconds", "250ms").reconnectWait)
        .isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void toStringNeverShowsThePassword() {
    RabbitMqSettings s = settings("connectionString", "amqp://app:s3cret@mq:5672/v");

    assertThat(s.toString()).doesNotContain("s3cret").contains("amqp://mq:5672/v");
    assertThat(s.endpoint()).doesNotContain("s3cret");
  }
}
