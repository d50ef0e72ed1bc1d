package io.tandem.sidecar.invoke;

import io.vertx.core.Future;

/**
 * Finds the sidecar of an app: a shared SQLite file in standalone mode; the {@code <app-id>-dapr}
 * Service in Kubernetes (later).
 */
public interface NameResolver extends AutoCloseable {

  /**
   * One live sidecar of {@code appId}, chosen round-robin among its replicas. Fails with {@link
   * NotRegisteredException} when none is live.
   */
  Future<AppAddress> resolve(String appId, String namespace);

  /** A call to {@code address} failed to connect: do not trust what is known about it. */
  void forget(AppAddress address);

  @Override
  void close();

  /** No live sidecar has registered the app id. */
  final class NotRegisteredException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NotRegisteredException(String appId) {
      super("app id " + appId + " is not registered", null, false, false);
    }
  }
}
