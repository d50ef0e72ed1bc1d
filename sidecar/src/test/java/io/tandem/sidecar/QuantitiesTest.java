package io.tandem.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class QuantitiesTest {
  @Test
  void parsesKubernetesQuantitiesAndLegacyMegabytes() {
    assertThat(Quantities.parseBytes("4Mi", true)).isEqualTo(4L * 1024 * 1024);
    assertThat(Quantities.parseBytes("512Ki", true)).isEqualTo(512L * 1024);
    assertThat(Quantities.parseBytes("2M", true)).isEqualTo(2_000_000L);
    assertThat(Quantities.parseBytes("16", true)).isEqualTo(16L * 1024 * 1024);
    assertThatThrownBy(() -> Quantities.parseBytes("lots", true))
        .hasMessageContaining("not a size");
  }
}
