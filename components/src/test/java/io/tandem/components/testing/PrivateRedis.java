package io.tandem.components.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A redis-server of one test's own, on a fixed free loopback port, that the test may kill, suspend
 * and restart: the shared server of {@link TestServers} must never be disturbed. The binary comes
 * from {@link TestServers#redisServerBinary()}; the server's files (and its log, {@code redis.log})
 * live in a temporary directory that {@link #close()} removes.
 */
public final class PrivateRedis implements AutoCloseable {
  private final int port;
  private final Path dir;
  private final boolean appendOnly;
  private final List<String> extraArgs;
  private Process process;

  private PrivateRedis(int port, Path dir, boolean appendOnly, List<String> extraArgs) {
    this.port = port;
    this.dir = dir;
    this.appendOnly = appendOnly;
    this.extraArgs = extraArgs;
  }

  /**
   * Starts a server on a free port. With {@code appendOnly} its data survives {@link #kill} and
   * {@link #start}, as a production Redis with persistence does: every write is in the append-only
   * file before it is answered ({@code appendfsync always}).
   */
  public static PrivateRedis start(boolean appendOnly) throws IOException, InterruptedException {
    return start(appendOnly, new String[0]);
  }

  /**
   * Starts a server as {@link #start(boolean)} does, with more redis-server options, e.g. {@code
   * "--requirepass", "secret"} or {@code "--cluster-enabled", "yes"}; they come last, so they may
   * override the defaults.
   */
  public static PrivateRedis start(boolean appendOnly, String... extraArgs)
      throws IOException, InterruptedException {
    PrivateRedis r =
        new PrivateRedis(
            freePort(), Files.createTempDirectory("tandem-redis-"), appendOnly, List.of(extraArgs));
    r.start();
    return r;
  }

  public int port() {
    return port;
  }

  public String address() {
    return "127.0.0.1:" + port;
  }

  /** Where the server keeps its files. */
  public Path dir() {
    return dir;
  }

  /**
   * (Re)starts the server on its port and waits until it answers PING (or asks for a password).
   * Does nothing while it runs.
   */
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
    if (appendOnly) {
      cmd.addAll(List.of("--appendfsync", "always"));
    }
    cmd.addAll(extraArgs);
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
      if (answers()) {
        return;
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("redis-server on port " + port + " did not answer PING");
  }

  /** Kills the server with SIGKILL, as a crash would: no shutdown, no final save. */
  public synchronized void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /**
   * SIGSTOP: the server keeps its connections open but answers nothing, like a black hole, until
   * {@link #resume}.
   */
  public synchronized void suspend() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** SIGCONT: the suspended server answers again. */
  public synchronized void resume() throws IOException, InterruptedException {
    signal("CONT");
  }

  private void signal(String name) throws IOException, InterruptedException {
    if (process == null || !process.isAlive()) {
      throw new IllegalStateException("redis-server on port " + port + " is not running");
    }
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start();
    if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IllegalStateException("kill -" + name + " failed");
    }
  }

  /** Whether the server answers PING, or answers that it wants a password first. */
  private boolean answers() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 500);
      s.setSoTimeout(500);
      OutputStream out = s.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[64];
      int n = in.read(buf);
      String answer = n > 0 ? new String(buf, 0, n, StandardCharsets.US_ASCII) : "";
      return answer.startsWith("+PONG") || answer.startsWith("-NOAUTH");
    } catch (IOException e) {
      return false;
    }
  }

  /** Kills the server (a suspended one too) and removes its files. */
  @Override
  public void close() throws Exception {
    kill();
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** A loopback port nobody listens on right now. */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
