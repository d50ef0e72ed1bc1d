package io.tandem.sidecar.bindings;

import io.tandem.components.Component;
import io.tandem.components.ComponentFactory;

/** {@code bindings.fake}, for tests. */
final class FakeBindingFactory implements ComponentFactory {
  @Override
  public String type() {
    return "bindings.fake";
  }

  @Override
  public Component create() {
    return new FakeBinding();
  }
}
