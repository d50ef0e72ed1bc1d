package io.tandem.components.secrets.localfile;

import io.tandem.components.Component;
import io.tandem.components.ComponentFactory;

/** Registers {@code secretstores.local.file}. */
public final class LocalFileSecretStoreFactory implements ComponentFactory {
  @Override
  public String type() {
    return "secretstores.local.file";
  }

  @Override
  public Component create() {
    return new LocalFileSecretStore();
  }
}
