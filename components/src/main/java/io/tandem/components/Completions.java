package io.tandem.components;

import java.util.concurrent.CompletionException;

/** Reading the failure of a {@link java.util.concurrent.CompletionStage}. */
public final class Completions {
  private Completions() {}

  /** The failure itself, without the {@link CompletionException}s wrapped around it. */
  public static Throwable unwrap(Throwable t) {
    Throwable c = t;
    while (c instanceof CompletionException && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }

  /** The unwrapped failure's message, or the failure itself as text when it has none. */
  public static String message(Throwable t) {
    Throwable c = unwrap(t);
    return c.getMessage() != null ? c.getMessage() : c.toString();
  }
}
