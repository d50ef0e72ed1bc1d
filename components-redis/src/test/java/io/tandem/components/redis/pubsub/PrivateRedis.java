package io.tandem.components.redis.pubsub;

import io.tandem.components.testing.TestServers;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A redis-server of the test's own, on a free loopback port, with an append-only file so that
 * streams and consumer groups survive {@link #kill()} and {@link #start()}.
 */
final class PrivateRedis implements AutoCloseable {
  private final Path dir;
  private final int port;
  private final List<String> extra;
  private Process process;

  PrivateRedis(String... extraConfig) throws IOException {
    this.dir = Files.createTempDirectory("tandem-redis-pubsub-");
    this.extra = List.of(extraConfig);
    try (ServerSocket s = new ServerSocket(0)) {
      this.port = s.getLocalPort();
    }
  }

  String address() {
    return "127.0.0.1:" + port;
  }

  PrivateRedis start() throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(TestServers.redisServerBinary());
    cmd.addAll(
        List.of(
            "--port", Integer.toString(port),
            "--bind", "127.0.0.1",
            "--dir", dir.toString(),
            "--appendonly", "yes",
            "--appendfsync", "always",
            "--save", "",
            "--daemonize", "no",
            "--protected-mode", "no"));
    cmd.addAll(extra);
    process =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("redis.log").toFile())
            .start();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("redis-server exited: " + Files.readString(dir.resolve("redis.log")));
      }
      try {
        new Socket("127.0.0.1", port).close();
        return this;
      } catch (IOException notYet) {
        Thread.sleep(20);
      }
    }
    throw new IOException("redis-server did not listen on " + port + " within 10 s");
  }

  /** SIGKILL: no shutdown, no final save. */
  void kill() throws IOException {
    if (process != null) {
      process.destroyForcibly();
      try {
        process.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while killing redis-server", e);
      }
      process = null;
    }
  }

  @Override
  public void close() throws IOException {
    kill();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
