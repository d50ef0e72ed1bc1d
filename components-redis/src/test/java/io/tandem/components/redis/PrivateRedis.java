package io.tandem.components.redis;

import io.tandem.components.testing.TestServers;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A redis-server of the test's own, on a free loopback port, that the test may kill. */
public final class PrivateRedis implements AutoCloseable {
  private final int port;
  private final Path dir;
  private final List<String> extraArgs;
  private Process process;

  private PrivateRedis(int port, Path dir, List<String> extraArgs) {
    this.port = port;
    this.dir = dir;
    this.extraArgs = extraArgs;
  }

  /** Starts a server with no persistence; {@code extraArgs} are more redis-server options. */
  public static PrivateRedis launch(String... extraArgs) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    PrivateRedis r =
        new PrivateRedis(port, Files.createTempDirectory("tandem-redis-"), List.of(extraArgs));
    r.start();
    return r;
  }

  public String address() {
    return "127.0.0.1:" + port;
  }

  /** (Re)starts the server on the same port and waits until it accepts connections. */
  public void start() throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(TestServers.redisServerBinary());
    cmd.addAll(
        List.of(
            "--port", String.valueOf(port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", dir.toString()));
    cmd.addAll(extraArgs);
    process =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("redis.log").toFile())
            .start();
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < until) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "redis-server exited: " + Files.readString(dir.resolve("redis.log")));
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException e) {
        Thread.sleep(50);
      }
    }
    throw new IllegalStateException("redis-server did not start on port " + port);
  }

  /** kill -9, as a crash would. */
  public void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** One command on a fresh connection (the test's own admin client). */
  public Response command(Request request) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Redis client = Redis.createClient(vertx, "redis://" + address());
      return client
          .send(request)
          .toCompletionStage()
          .toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
    } finally {
      vertx.close();
    }
  }

  @Override
  public void close() throws Exception {
    kill();
  }
}
