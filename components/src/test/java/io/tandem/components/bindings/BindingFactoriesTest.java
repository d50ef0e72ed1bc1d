package io.tandem.components.bindings;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.components.ComponentFactory;
import io.tandem.components.bindings.cron.CronInputBinding;
import io.tandem.components.bindings.http.HttpOutputBinding;
import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** The built-in bindings are found through {@link ServiceLoader} under Dapr's type names. */
class BindingFactoriesTest {

  @Test
  void httpAndCronAreRegistered() {
    Map<String, ComponentFactory> byType = new HashMap<>();
    ServiceLoader.load(ComponentFactory.class).forEach(f -> byType.put(f.type(), f));

    assertThat(byType.get("bindings.http").create())
        .isInstanceOf(HttpOutputBinding.class)
        .isInstanceOf(OutputBinding.class)
        .isNotInstanceOf(InputBinding.class);
    assertThat(byType.get("bindings.cron").create())
        .isInstanceOf(CronInputBinding.class)
        .isInstanceOf(InputBinding.class)
        .isNotInstanceOf(OutputBinding.class);
    assertThat(byType.get("bindings.http").create().features()).containsExactly("OUTPUT_BINDING");
    assertThat(byType.get("bindings.cron").create().features()).containsExactly("INPUT_BINDING");
    assertThat(byType.get("bindings.http").versions()).containsExactly("v1");
    assertThat(byType.get("bindings.cron").versions()).containsExactly("v1");
  }
}
