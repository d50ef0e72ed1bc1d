package io.tandem.components.state;

/** Write options of a save or delete. */
public record StateOptions(Concurrency concurrency, Consistency consistency) {
  public static final StateOptions DEFAULT =
      new StateOptions(Concurrency.UNSPECIFIED, Consistency.UNSPECIFIED);

  public StateOptions {
    concurrency = concurrency == null ? Concurrency.UNSPECIFIED : concurrency;
    consistency = consistency == null ? Consistency.UNSPECIFIED : consistency;
  }
}
