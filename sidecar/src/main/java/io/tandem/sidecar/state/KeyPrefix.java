package io.tandem.sidecar.state;

import io.tandem.sidecar.api.ApiError;
import io.tandem.sidecar.api.ApiException;
import java.util.Map;

/**
 * How a state store's keys are prefixed, from the component's {@code keyPrefix} metadata: {@code
 * appid} (the default: {@code myapp||key}), {@code name} (the store's name), {@code namespace}
 * ({@code ns.myapp||key}, or the app id alone outside Kubernetes), {@code none}, or any other
 * string used as the prefix itself.
 */
final class KeyPrefix {
  static final String SEPARATOR = "||";

  private final String prefix; // null for none

  private KeyPrefix(String prefix) {
    this.prefix = prefix;
  }

  static KeyPrefix of(String setting, String appId, String storeName, String namespace) {
    String s = setting == null || setting.isBlank() ? "appid" : setting.trim();
    return switch (s.toLowerCase(java.util.Locale.ROOT)) {
      case "appid" -> new KeyPrefix(appId == null || appId.isEmpty() ? null : appId);
      case "name" -> new KeyPrefix(storeName);
      case "namespace" ->
          new KeyPrefix(namespace == null || namespace.isEmpty() ? appId : namespace + "." + appId);
      case "none" -> new KeyPrefix(null);
      default -> new KeyPrefix(s);
    };
  }

  /** The key as stored. Refuses an empty key, and one containing the separator when prefixed. */
  String apply(String key) {
    if (key == null || key.isEmpty()) {
      throw new ApiException(
          ApiError.STATE_ILLEGAL_KEY, null, "state key must not be empty", Map.of());
    }
    if (prefix == null) {
      return key;
    }
    if (key.contains(SEPARATOR)) {
      throw new ApiException(
          ApiError.STATE_ILLEGAL_KEY,
          null,
          "input key/keyPrefix '" + key + "' can't contain '" + SEPARATOR + "'",
          Map.of());
    }
    return prefix + SEPARATOR + key;
  }

  /** The key as the app knows it. */
  String strip(String storedKey) {
    if (prefix == null) {
      return storedKey;
    }
    String p = prefix + SEPARATOR;
    return storedKey.startsWith(p) ? storedKey.substring(p.length()) : storedKey;
  }
}
