package io.tandem.components.postgresql.bindings;

import io.tandem.components.Component;
import io.tandem.components.ComponentFactory;

/** Registers {@code bindings.postgresql} (output only). */
public final class PostgresBindingFactory implements ComponentFactory {
  @Override
  public String type() {
    return "bindings.postgresql";
  }

  @Override
  public Component create() {
    return new PostgresOutputBinding();
  }
}
