package io.tandem.components;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.components.ComponentException.Reason;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Typed, case-insensitive access to a component's metadata. */
class ComponentMetadataTest {
  private final ComponentMetadata metadata =
      new ComponentMetadata(
          "store",
          Map.of(
              "connectionString", "x.db",
              "empty", "",
              "blank", "  ",
              "flag", "Yes",
              "off", "0",
              "count", "12",
              "wait", "1m30s",
              "wrong", "maybe"));

  @Test
  void keysAreMatchedWithoutRegardToCase() {
    assertThat(metadata.get("CONNECTIONSTRING")).isEqualTo("x.db");
    assertThat(metadata.properties().get("connectionstring")).isEqualTo("x.db");
    assertThat(metadata.required("ConnectionString")).isEqualTo("x.db");
  }

  @Test
  void emptyValuesFallBackToTheDefault() {
    assertThat(metadata.get("empty", "fallback")).isEqualTo("fallback");
    assertThat(metadata.get("absent", "fallback")).isEqualTo("fallback");
    assertThat(metadata.getInt("blank", 7)).isEqualTo(7);
    assertThat(metadata.getDuration("empty", Duration.ofSeconds(3)))
        .isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void aMissingOrBlankRequiredKeyIsRefusedNamingIt() {
    assertThatThrownBy(() -> metadata.required("tableName"))
        .isInstanceOfSatisfying(
            ComponentException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.INVALID_ARGUMENT))
        .hasMessage("component store: metadata 'tableName' is required");
    assertThatThrownBy(() -> metadata.required("blank")).hasMessageContaining("'blank'");
  }

  @Test
  void typedGetters() {
    assertThat(metadata.getBoolean("flag", false)).isTrue();
    assertThat(metadata.getBoolean("off", true)).isFalse();
    assertThat(metadata.getBoolean("absent", true)).isTrue();
    assertThat(metadata.getInt("count", 0)).isEqualTo(12);
    assertThat(metadata.getDuration("wait", Duration.ZERO)).isEqualTo(Duration.ofSeconds(90));
  }

  @Test
  void unparseableValuesAreRefusedNamingTheKey() {
    assertThatThrownBy(() -> metadata.getBoolean("wrong", false)).hasMessageContaining("'wrong'");
    assertThatThrownBy(() -> metadata.getInt("wrong", 0)).hasMessageContaining("'wrong'");
    assertThatThrownBy(() -> metadata.getDuration("wrong", Duration.ZERO))
        .isInstanceOf(ComponentException.class)
        .hasMessageContaining("'wrong'");
  }
}
