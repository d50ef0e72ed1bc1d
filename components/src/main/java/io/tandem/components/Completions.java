package io.tandem.components;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/** Calling and reading the failure of a {@link java.util.concurrent.CompletionStage}. */
public final class Completions {
  private Completions() {}

  /**
   * Runs {@code op}, an asynchronous operation of a component or service: a synchronous throw
   * becomes a failed future, so callers handle one kind of failure.
   */
  public static <T> CompletableFuture<T> call(Supplier<? extends CompletionStage<T>> op) {
    try {
      return op.get().toCompletableFuture();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

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
