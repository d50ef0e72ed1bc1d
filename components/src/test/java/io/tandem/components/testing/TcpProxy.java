package io.tandem.components.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP proxy to a real server that a test can cut: {@link #cut()} drops every connection
 * as a failing network would, and while {@link #refuse} is on, new connections are closed at once.
 * Not a fake: whatever answers is the real server, which is never touched, so a test can cut or
 * delay a component's connection to a shared server.
 */
public final class TcpProxy implements AutoCloseable {
  private final ServerSocket server;
  private final String targetHost;
  private final int targetPort;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile boolean refusing;
  private volatile boolean closed;

  /** A proxy on a free loopback port. */
  public TcpProxy(String targetHost, int targetPort) throws IOException {
    this(0, targetHost, targetPort);
  }

  /**
   * A proxy on loopback port {@code localPort} ({@code 0}: a free one), for a test that needs an
   * address to start answering only from some moment on.
   */
  public TcpProxy(int localPort, String targetHost, int targetPort) throws IOException {
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.server = new ServerSocket();
    server.setReuseAddress(true);
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), localPort));
    Thread t = new Thread(this::accept, "tcp-proxy-accept");
    t.setDaemon(true);
    t.start();
  }

  public int port() {
    return server.getLocalPort();
  }

  /** Drops every open connection. */
  public void cut() {
    for (Socket s : sockets) {
      close(s);
    }
    sockets.clear();
  }

  /** While on, connections are closed as soon as they are accepted. */
  public void refuse(boolean on) {
    refusing = on;
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    cut();
  }

  private void accept() {
    while (!closed) {
      Socket in;
      try {
        in = server.accept();
      } catch (IOException e) {
        return;
      }
      if (refusing) {
        close(in);
        continue;
      }
      try {
        Socket out = new Socket(targetHost, targetPort);
        sockets.add(in);
        sockets.add(out);
        pump(in, out);
        pump(out, in);
      } catch (IOException e) {
        close(in);
      }
    }
  }

  private void pump(Socket from, Socket to) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[16384];
              try (InputStream is = from.getInputStream();
                  OutputStream os = to.getOutputStream()) {
                int n;
                while ((n = is.read(buf)) >= 0) {
                  os.write(buf, 0, n);
                  os.flush();
                }
              } catch (IOException e) {
                // cut or closed
              } finally {
                close(from);
                close(to);
              }
            },
            "tcp-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void close(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // already closed
    }
  }
}
