package io.tandem.sidecar.pubsub;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which topics of one pub/sub component this app may publish to and subscribe to, from the
 * component's metadata, with Dapr's semantics:
 *
 * <ul>
 *   <li>{@code allowedTopics} ({@code t1,t2}): when set, no other topic may be used by anyone;
 *   <li>{@code publishingScopes} / {@code subscriptionScopes} ({@code app1=t1,t2;app2=;...}): an
 *       app listed there may use only its listed topics (none after {@code app=}); an app not
 *       listed may use any allowed topic;
 *   <li>{@code protectedTopics}: only apps that list the topic in their scope may use it.
 * </ul>
 */
public final class TopicScopes {
  public static final String PUBLISHING_SCOPES = "publishingScopes";
  public static final String SUBSCRIPTION_SCOPES = "subscriptionScopes";
  public static final String ALLOWED_TOPICS = "allowedTopics";
  public static final String PROTECTED_TOPICS = "protectedTopics";

  private final List<String> allowed;
  private final List<String> protectedTopics;
  private final List<String> publishing;
  private final List<String> subscribing;

  private TopicScopes(
      List<String> allowed,
      List<String> protectedTopics,
      List<String> publishing,
      List<String> subscribing) {
    this.allowed = allowed;
    this.protectedTopics = protectedTopics;
    this.publishing = publishing;
    this.subscribing = subscribing;
  }

  /** Scopes for {@code appId}; {@code metadata} keys are matched case-insensitively. */
  public static TopicScopes of(String appId, Map<String, String> metadata) {
    return new TopicScopes(
        topics(find(metadata, ALLOWED_TOPICS)),
        topics(find(metadata, PROTECTED_TOPICS)),
        scoped(find(metadata, PUBLISHING_SCOPES), appId),
        scoped(find(metadata, SUBSCRIPTION_SCOPES), appId));
  }

  public boolean canPublish(String topic) {
    return allowed(topic, publishing);
  }

  public boolean canSubscribe(String topic) {
    return allowed(topic, subscribing);
  }

  private boolean allowed(String topic, List<String> scoped) {
    if (!allowed.isEmpty() && !allowed.contains(topic)) {
      return false;
    }
    if (!protectedTopics.contains(topic) && scoped.isEmpty()) {
      return true;
    }
    return scoped.contains(topic);
  }

  private static String find(Map<String, String> metadata, String key) {
    for (Map.Entry<String, String> e : metadata.entrySet()) {
      if (e.getKey().equalsIgnoreCase(key)) {
        return e.getValue();
      }
    }
    return null;
  }

  private static List<String> topics(String value) {
    if (value == null || value.isEmpty()) {
      return List.of();
    }
    Set<String> out = new LinkedHashSet<>(List.of(value.replace(" ", "").split(",", -1)));
    return List.copyOf(out);
  }

  /** The topics {@code appId} is limited to; empty when the app is not listed. */
  private static List<String> scoped(String value, String appId) {
    if (value == null || value.isEmpty()) {
      return List.of();
    }
    Set<String> out = new LinkedHashSet<>();
    for (String app : value.replace(" ", "").split(";", -1)) {
      String[] parts = app.split("=", -1);
      if (parts.length < 2 || !parts[0].equals(appId)) {
        continue;
      }
      // "app=" limits the app to the single topic "", which no request can name: nothing
      out.addAll(List.of(parts[1].split(",", -1)));
    }
    return new ArrayList<>(out);
  }
}
