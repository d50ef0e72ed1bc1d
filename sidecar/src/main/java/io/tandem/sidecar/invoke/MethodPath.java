package io.tandem.sidecar.invoke;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A service invocation method path, normalised once at the edge so that every later step (access
 * control, metrics, the app) sees the same path.
 *
 * <p>The rules: percent-escapes are decoded first (so {@code %2F} is a separator and {@code %2e%2e}
 * is {@code ..}); a decoded {@code #}, {@code ?}, NUL or any control character is refused; dot
 * segments are resolved and empty segments (duplicate slashes) collapsed; a {@code ..} that would
 * climb above the method root is refused. The app then receives {@link #encoded()}, which decodes
 * to exactly {@link #decoded()}: no path the app sees can differ from the path that was checked.
 *
 * @param decoded the canonical method, decoded, without a leading slash ({@code orders/a b})
 * @param encoded the same, percent-encoded for a URL path ({@code orders/a%20b})
 */
public record MethodPath(String decoded, String encoded) {

  /** Why a method path was refused. */
  public static final class InvalidMethodException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InvalidMethodException(String message) {
      super(message, null, false, false);
    }
  }

  /** From the raw, percent-encoded path of an HTTP request (the part naming the method). */
  public static MethodPath fromEncoded(String raw) {
    return fromDecoded(percentDecode(raw));
  }

  /** From a method name given as is, e.g. {@code InvokeRequest.method} over gRPC. */
  public static MethodPath fromDecoded(String method) {
    for (int i = 0; i < method.length(); i++) {
      char c = method.charAt(i);
      if (c == '#' || c == '?') {
        throw new InvalidMethodException("method contains forbidden character '" + c + "'");
      }
      if (c < 0x20 || c == 0x7f) {
        throw new InvalidMethodException(
            "method contains a control character (0x"
                + Integer.toHexString(c)
                + ") at position "
                + i);
      }
    }
    Deque<String> segments = new ArrayDeque<>();
    for (String s : method.split("/", -1)) {
      if (s.isEmpty() || s.equals(".")) {
        continue;
      }
      if (s.equals("..")) {
        if (segments.isEmpty()) {
          throw new InvalidMethodException("method path escapes above the method root");
        }
        segments.removeLast();
        continue;
      }
      segments.addLast(s);
    }
    String decoded = String.join("/", segments);
    StringBuilder encoded = new StringBuilder(decoded.length() + 8);
    for (String s : segments) {
      if (encoded.length() > 0) {
        encoded.append('/');
      }
      encodeSegment(s, encoded);
    }
    return new MethodPath(decoded, encoded.toString());
  }

  private static String percentDecode(String raw) {
    if (raw.indexOf('%') < 0) {
      return raw;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (i + 2 >= raw.length()) {
          throw new InvalidMethodException("method contains a malformed percent-escape");
        }
        int hi = Character.digit(raw.charAt(i + 1), 16);
        int lo = Character.digit(raw.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw new InvalidMethodException("method contains a malformed percent-escape");
        }
        out.write(hi << 4 | lo);
        i += 2;
      } else if (c < 0x80) {
        out.write(c);
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
      }
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(out.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      throw new InvalidMethodException("method is not valid UTF-8 once decoded");
    }
  }

  /** RFC 3986 {@code pchar}s stay as they are; everything else is percent-encoded as UTF-8. */
  private static void encodeSegment(String s, StringBuilder out) {
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (isPchar(c)) {
        out.append((char) c);
      } else {
        out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
      }
    }
  }

  private static boolean isPchar(int c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || "-._~!$&'()*+,;=:@".indexOf(c) >= 0;
  }

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();
}
