package io.tandem.components.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A redis-server of one test's own, on a fixed free port, that the test may kill and restart: the
 * shared server of {@link TestServers} must never be disturbed. The binary comes from {@link
 * TestServers#redisServerBinary()}.
 */
public final class PrivateRedis implements AutoCloseable {
  private final int port;
  private final Path dir;
  private final boolean appendOnly;
  private Process process;

  private PrivateRedis(int port, Path dir, boolean appendOnly) {
    this.port = port;
    this.dir = dir;
    this.appendOnly = appendOnly;
  }

  /**
   * Starts a server on a free port. With {@code appendOnly} its data survives {@link #kill} and
   * {@link #start}, as a production Redis with persistence does.
   */
  public static PrivateRedis start(boolean appendOnly) throws IOException, InterruptedException {
    PrivateRedis r =
        new PrivateRedis(freePort(), Files.createTempDirectory("tandem-redis-"), appendOnly);
    r.start();
    return r;
  }

  public int port() {
    return port;
  }

  public String address() {
    return "127.0.0.1:" + port;
  }

  /** (Re)starts the server on its port and waits until it answers PING. */
  public synchronized void start() throws IOException, InterruptedException {
    if (process != null && process.isAlive()) {
      return;
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(TestServers.redisServerBinary());
    cmd.addAll(
        List.of(
            "--bind",
            "127.0.0.1",
            "--port",
            Integer.toString(port),
            "--save",
            "",
            "--appendonly",
            appendOnly ? "yes" : "no",
            "--dir",
            dir.toString(),
            "--daemonize",
            "no"));
    process =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile()))
            .start();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "redis-server exited: " + Files.readString(dir.resolve("redis.log")));
      }
      if (pings()) {
        return;
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("redis-server on port " + port + " did not answer PING");
  }

  /** Kills the server with SIGKILL, as a crash would. */
  public synchronized void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private boolean pings() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 500);
      s.setSoTimeout(500);
      s.getOutputStream().write("PING\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      byte[] buf = new byte[7];
      int n = s.getInputStream().read(buf);
      return n > 0
          && new String(buf, 0, n, java.nio.charset.StandardCharsets.US_ASCII).startsWith("+PONG");
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() throws Exception {
    kill();
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
