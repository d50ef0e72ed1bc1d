package io.tandem.components.bindings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.components.ComponentException;
import io.tandem.components.ComponentMetadata;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BindingDirectionTest {

  private static BindingDirection of(String direction) {
    return BindingDirection.of(
        new ComponentMetadata("b", direction == null ? Map.of() : Map.of("direction", direction)));
  }

  @Test
  void withoutDirectionEveryRoleIsUsedImplicitly() {
    assertThat(of(null)).isEqualTo(new BindingDirection(true, true, false));
    assertThat(of("  ")).isEqualTo(BindingDirection.UNSPECIFIED);
  }

  @Test
  void listsRolesIgnoringCaseAndSpaces() {
    assertThat(of("input")).isEqualTo(new BindingDirection(true, false, true));
    assertThat(of("Output")).isEqualTo(new BindingDirection(false, true, true));
    assertThat(of("input, output")).isEqualTo(new BindingDirection(true, true, true));
    assertThat(of(" OUTPUT ,input ")).isEqualTo(new BindingDirection(true, true, true));
  }

  @Test
  void keyIsMatchedIgnoringCase() {
    assertThat(BindingDirection.of(new ComponentMetadata("b", Map.of("Direction", "input"))))
        .isEqualTo(new BindingDirection(true, false, true));
  }

  @Test
  void unknownDirectionIsRefusedNamingTheKey() {
    assertThatThrownBy(() -> of("both"))
        .isInstanceOfSatisfying(
            ComponentException.class,
            e -> assertThat(e.reason()).isEqualTo(ComponentException.Reason.INVALID_ARGUMENT))
        .hasMessageContaining("'direction'")
        .hasMessageContaining("both");
  }
}
