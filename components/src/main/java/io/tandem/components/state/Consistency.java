package io.tandem.components.state;

/** {@code options.consistency}; stores that offer only one level ignore it. */
public enum Consistency {
  UNSPECIFIED,
  EVENTUAL,
  STRONG
}
