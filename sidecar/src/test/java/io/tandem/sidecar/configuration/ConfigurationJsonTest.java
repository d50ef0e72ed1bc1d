package io.tandem.sidecar.configuration;

import static org.assertj.core.api.Assertions.assertThat;

import io.dapr.v1.CommonProtos.ConfigurationItem;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigurationJsonTest {
  @Test
  void emptyFieldsAreLeftOutAsDaprDoes() {
    Map<String, ConfigurationItem> items =
        Map.of(
            "b",
            ConfigurationItem.newBuilder()
                .setValue("beta")
                .setVersion("2")
                .putMetadata("k", "v")
                .build(),
            "a",
            ConfigurationItem.newBuilder().setValue("alpha").build(),
            "gone",
            ConfigurationItem.getDefaultInstance());
    assertThat(ConfigurationJson.items(items))
        .isEqualTo(
            "{\"a\":{\"value\":\"alpha\"},"
                + "\"b\":{\"value\":\"beta\",\"version\":\"2\",\"metadata\":{\"k\":\"v\"}},"
                + "\"gone\":{}}");
  }

  @Test
  void anUpdateCarriesTheSubscriptionIdAndItsItems() {
    assertThat(
            ConfigurationJson.update(
                "id-1",
                Map.of("k", ConfigurationItem.newBuilder().setValue("v").setVersion("3").build())))
        .isEqualTo("{\"id\":\"id-1\",\"items\":{\"k\":{\"value\":\"v\",\"version\":\"3\"}}}");
    assertThat(ConfigurationJson.subscribed("id-1")).isEqualTo("{\"id\":\"id-1\"}");
  }
}
