package io.tandem.sidecar.state;

import io.tandem.sidecar.api.ApiError;
import io.tandem.sidecar.api.ApiException;
import java.util.Locale;
import java.util.Map;

/**
 * How a store's keys are prefixed, from the component's {@code keyPrefix} metadata.
 *
 * <p>State stores ({@link #of}): {@code appid} (the default: {@code myapp||key}), {@code name} (the
 * store's name), {@code namespace} ({@code ns.myapp||key}, or the app id alone outside Kubernetes),
 * {@code none}, or any other string used as the prefix itself.
 *
 * <p>Lock stores ({@link #forLock}), as Dapr's lock key strategy: every resource id is stored under
 * {@code lock||}, then {@code appid} (default) adds the app id, {@code name} the store's name,
 * {@code none} nothing, and any other value is used as the prefix itself, lower-cased as Dapr does.
 * There is no {@code namespace} strategy for locks: that word is a custom prefix there.
 */
public final class KeyPrefix {
  public static final String SEPARATOR = "||";
  private static final String LOCK = "lock";

  private final String prefix; // null for none

  private KeyPrefix(String prefix) {
    this.prefix = prefix;
  }

  static KeyPrefix of(String setting, String appId, String storeName, String namespace) {
    String s = setting == null || setting.isBlank() ? "appid" : setting.trim();
    return switch (s.toLowerCase(Locale.ROOT)) {
      case "appid" -> new KeyPrefix(appId == null || appId.isEmpty() ? null : appId);
      case "name" -> new KeyPrefix(storeName);
      case "namespace" ->
          new KeyPrefix(namespace == null || namespace.isEmpty() ? appId : namespace + "." + appId);
      case "none" -> new KeyPrefix(null);
      default -> new KeyPrefix(s);
    };
  }

  /**
   * The prefix of a lock store's resource ids. Refuses (IllegalArgumentException, with Dapr's
   * message) a custom prefix containing the separator.
   */
  public static KeyPrefix forLock(String setting, String appId, String storeName) {
    String s =
        setting == null || setting.isBlank() ? "appid" : setting.trim().toLowerCase(Locale.ROOT);
    return switch (s) {
      case "appid" ->
          new KeyPrefix(appId == null || appId.isEmpty() ? LOCK : LOCK + SEPARATOR + appId);
      case "name" -> new KeyPrefix(LOCK + SEPARATOR + storeName);
      case "none" -> new KeyPrefix(LOCK);
      default -> {
        checkSeparator(s);
        yield new KeyPrefix(LOCK + SEPARATOR + s);
      }
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
    try {
      return prefixed(key);
    } catch (IllegalArgumentException e) {
      throw new ApiException(ApiError.STATE_ILLEGAL_KEY, null, e.getMessage(), Map.of());
    }
  }

  /**
   * {@code key} behind the prefix; IllegalArgumentException, with Dapr's message, when the key
   * contains the separator.
   */
  public String prefixed(String key) {
    if (prefix == null) {
      return key;
    }
    checkSeparator(key);
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

  private static void checkSeparator(String key) {
    if (key.contains(SEPARATOR)) {
      throw new IllegalArgumentException(
          "input key/keyPrefix '" + key + "' can't contain '" + SEPARATOR + "'");
    }
  }
}
