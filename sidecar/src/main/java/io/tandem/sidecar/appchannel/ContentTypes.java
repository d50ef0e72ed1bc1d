package io.tandem.sidecar.appchannel;

import java.util.Locale;

/** Dapr's reading of media types when it wraps and unwraps CloudEvents. */
public final class ContentTypes {
  public static final String CLOUD_EVENTS_JSON = "application/cloudevents+json";
  public static final String JSON = "application/json";
  public static final String OCTET_STREAM = "application/octet-stream";
  public static final String TEXT_PLAIN = "text/plain";

  private ContentTypes() {}

  /** {@code application/json}, with or without parameters; not {@code +json} suffixes. */
  public static boolean isJson(String contentType) {
    return is(contentType, JSON);
  }

  public static boolean isCloudEvent(String contentType) {
    return is(contentType, CLOUD_EVENTS_JSON);
  }

  /** Payloads carried as {@code data_base64}. */
  public static boolean isBinary(String contentType) {
    return is(contentType, OCTET_STREAM);
  }

  /** Payloads carried as a JSON string: {@code text/*} and {@code application/xml}. */
  public static boolean isString(String contentType) {
    return contentType != null
        && (contentType.trim().toLowerCase(Locale.ROOT).startsWith("text/")
            || is(contentType, "application/xml"));
  }

  private static boolean is(String contentType, String expected) {
    if (contentType == null) {
      return false;
    }
    String c = contentType.toLowerCase(Locale.ROOT);
    int semi = c.indexOf(';');
    return (semi >= 0 ? c.substring(0, semi) : c).trim().equals(expected);
  }
}
