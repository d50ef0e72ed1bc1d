package io.tandem.sidecar.secrets;

import io.dapr.v1.DaprSecretProtos.GetBulkSecretRequest;
import io.dapr.v1.DaprSecretProtos.GetBulkSecretResponse;
import io.dapr.v1.DaprSecretProtos.GetSecretRequest;
import io.dapr.v1.DaprSecretProtos.GetSecretResponse;
import io.dapr.v1.DaprSecretProtos.SecretResponse;
import io.tandem.components.Completions;
import io.tandem.components.ComponentException;
import io.tandem.components.secrets.SecretStore;
import io.tandem.sidecar.api.ApiError;
import io.tandem.sidecar.api.ApiException;
import io.tandem.sidecar.registry.ComponentRegistry;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** The secrets building block, shared by both transports. */
public final class SecretsService {
  private final ComponentRegistry registry;

  public SecretsService(ComponentRegistry registry) {
    this.registry = registry;
  }

  public CompletionStage<GetSecretResponse> getSecret(GetSecretRequest req) {
    try {
      SecretStore store = store(req.getStoreName());
      if (req.getKey().isEmpty()) {
        throw ApiError.MALFORMED_REQUEST.exception("secret name must not be empty");
      }
      return store
          .getSecret(req.getKey(), req.getMetadataMap())
          .handle(
              (data, err) -> {
                if (err != null) {
                  throw failure(
                      "failed getting secret with key "
                          + req.getKey()
                          + " from secret store "
                          + req.getStoreName(),
                      err);
                }
                return GetSecretResponse.newBuilder().putAllData(data).build();
              });
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  public CompletionStage<GetBulkSecretResponse> getBulkSecret(GetBulkSecretRequest req) {
    try {
      SecretStore store = store(req.getStoreName());
      return store
          .bulkGetSecret(req.getMetadataMap())
          .handle(
              (all, err) -> {
                if (err != null) {
                  throw failure(
                      "failed getting secrets from secret store " + req.getStoreName(), err);
                }
                GetBulkSecretResponse.Builder b = GetBulkSecretResponse.newBuilder();
                new TreeMap<>(all)
                    .forEach(
                        (name, values) ->
                            b.putData(
                                name, SecretResponse.newBuilder().putAllSecrets(values).build()));
                return b.build();
              });
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private SecretStore store(String name) {
    if (registry.count(SecretStore.class) == 0) {
      throw ApiError.SECRET_STORES_NOT_CONFIGURED.exception("secret store is not configured");
    }
    return registry
        .secretStore(name)
        .orElseThrow(
            () ->
                ApiError.SECRET_STORE_NOT_FOUND.exception(
                    "failed finding secret store with key " + name));
  }

  private static ApiException failure(String what, Throwable err) {
    Throwable cause = Completions.unwrap(err);
    if (cause instanceof ApiException api) {
      return api;
    }
    if (cause instanceof ComponentException ce
        && ce.reason() == ComponentException.Reason.INVALID_ARGUMENT) {
      return new ApiException(
          ApiError.MALFORMED_REQUEST, null, what + ": " + cause.getMessage(), Map.of());
    }
    return ApiError.SECRET_GET.exception(what + ": " + cause.getMessage());
  }
}
