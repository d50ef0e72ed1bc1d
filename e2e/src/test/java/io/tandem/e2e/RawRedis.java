package io.tandem.e2e;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A few Redis commands over a plain socket, as an operator's {@code redis-cli} would send them: the
 * tests write configuration items and look at lock keys behind the sidecar's back.
 */
public final class RawRedis implements AutoCloseable {
  private final Socket socket;
  private final OutputStream out;
  private final InputStream in;

  public RawRedis(String hostPort) throws IOException {
    int colon = hostPort.lastIndexOf(':');
    socket = new Socket();
    socket.connect(
        new InetSocketAddress(
            hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1))),
        5_000);
    socket.setSoTimeout(10_000);
    out = socket.getOutputStream();
    in = new BufferedInputStream(socket.getInputStream());
  }

  /**
   * Sends one command; the reply as text: a status or bulk string, an integer, null for a nil
   * reply. Arrays come back with their elements joined by newlines. An error reply throws.
   */
  public String call(String... args) throws IOException {
    ByteArrayOutputStream req = new ByteArrayOutputStream();
    req.write(("*" + args.length + "\r\n").getBytes(StandardCharsets.UTF_8));
    for (String a : args) {
      byte[] b = a.getBytes(StandardCharsets.UTF_8);
      req.write(("$" + b.length + "\r\n").getBytes(StandardCharsets.UTF_8));
      req.write(b);
      req.write("\r\n".getBytes(StandardCharsets.UTF_8));
    }
    out.write(req.toByteArray());
    out.flush();
    return reply();
  }

  private String reply() throws IOException {
    int type = in.read();
    String line = line();
    switch (type) {
      case '+', ':' -> {
        return line;
      }
      case '-' -> throw new IOException("redis error: " + line);
      case '$' -> {
        int n = Integer.parseInt(line);
        if (n < 0) {
          return null;
        }
        byte[] b = in.readNBytes(n);
        line(); // CRLF
        return new String(b, StandardCharsets.UTF_8);
      }
      case '*' -> {
        int n = Integer.parseInt(line);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
          sb.append(i == 0 ? "" : "\n").append(reply());
        }
        return n < 0 ? null : sb.toString();
      }
      default -> throw new IOException("unexpected redis reply type " + (char) type);
    }
  }

  private String line() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\r') {
        in.read(); // \n
        break;
      }
      b.write(c);
    }
    return b.toString(StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
