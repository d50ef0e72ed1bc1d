package io.tandem.sidecar.api;

import java.util.Map;

/**
 * A failure of a building-block call, carrying everything both transports need to render it: the
 * catalog entry (status codes, ErrorInfo reason), the {@code errorCode} shown to the caller and the
 * metadata attached to ErrorInfo.
 */
public final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ApiError error;
  private final String errorCode;
  private final transient Map<String, String> metadata;

  public ApiException(
      ApiError error, String errorCode, String message, Map<String, String> metadata) {
    super(message, null, false, false);
    this.error = error;
    this.errorCode = errorCode == null || errorCode.isEmpty() ? error.code() : errorCode;
    this.metadata = Map.copyOf(metadata);
  }

  public ApiError error() {
    return error;
  }

  public String errorCode() {
    return errorCode;
  }

  public Map<String, String> metadata() {
    return metadata;
  }

  public ApiException withMetadata(Map<String, String> extra) {
    java.util.HashMap<String, String> m = new java.util.HashMap<>(metadata);
    m.putAll(extra);
    return new ApiException(error, errorCode, getMessage(), m);
  }
}
