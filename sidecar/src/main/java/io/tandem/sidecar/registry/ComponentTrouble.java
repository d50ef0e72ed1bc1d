package io.tandem.sidecar.registry;

/** A component whose backend is in trouble right now, and what the component says about it. */
public record ComponentTrouble(String name, String type, String message) {

  /** {@code component <name> (<type>): <message>}, as health and logs show it. */
  public String describe() {
    return "component " + name + " (" + type + "): " + message;
  }
}
