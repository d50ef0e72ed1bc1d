package io.tandem.components.postgresql.configuration;

import io.tandem.components.Component;
import io.tandem.components.ComponentFactory;

/** Registers {@code configuration.postgresql}. */
public final class PostgresConfigurationStoreFactory implements ComponentFactory {
  @Override
  public String type() {
    return "configuration.postgresql";
  }

  @Override
  public Component create() {
    return new PostgresConfigurationStore();
  }
}
