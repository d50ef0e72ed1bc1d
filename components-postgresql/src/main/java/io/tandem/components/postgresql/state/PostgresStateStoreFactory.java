package io.tandem.components.postgresql.state;

import io.tandem.components.Component;
import io.tandem.components.ComponentFactory;

/** Registers {@code state.postgresql}, version v1 (v2's table layout is not implemented). */
public final class PostgresStateStoreFactory implements ComponentFactory {
  @Override
  public String type() {
    return "state.postgresql";
  }

  @Override
  public Component create() {
    return new PostgresStateStore();
  }
}
