package io.tandem.components.secrets.localenv;

import io.tandem.components.Component;
import io.tandem.components.ComponentFactory;

/** Registers {@code secretstores.local.env}. */
public final class LocalEnvSecretStoreFactory implements ComponentFactory {
  @Override
  public String type() {
    return "secretstores.local.env";
  }

  @Override
  public Component create() {
    return new LocalEnvSecretStore();
  }
}
