package io.tandem.components.bindings.http;

import io.tandem.components.Component;
import io.tandem.components.ComponentFactory;

/** Registers {@code bindings.http}. */
public final class HttpBindingFactory implements ComponentFactory {
  @Override
  public String type() {
    return "bindings.http";
  }

  @Override
  public Component create() {
    return new HttpOutputBinding();
  }
}
