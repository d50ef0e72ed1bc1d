package io.tandem.components.bindings.cron;

import io.tandem.components.Component;
import io.tandem.components.ComponentFactory;

/** Registers {@code bindings.cron}. */
public final class CronBindingFactory implements ComponentFactory {
  @Override
  public String type() {
    return "bindings.cron";
  }

  @Override
  public Component create() {
    return new CronInputBinding();
  }
}
