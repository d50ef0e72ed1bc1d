package io.tandem.components.state.sqlite;

import io.tandem.components.Component;
import io.tandem.components.ComponentFactory;

/** Registers {@code state.sqlite}. */
public final class SqliteStateStoreFactory implements ComponentFactory {
  @Override
  public String type() {
    return "state.sqlite";
  }

  @Override
  public Component create() {
    return new SqliteStateStore();
  }
}
