package io.tandem.components.redis;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.ProtocolVersion;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A plain Redis client for tests, on one connection of its own, speaking RESP2 (flat arrays
 * whatever the server's version): looks at and writes keys the way another program would, and waits
 * for each answer.
 */
public final class RawRedis implements AutoCloseable {
  private final Vertx vertx = Vertx.vertx();
  private final Redis client;
  private final RedisConnection conn;

  public RawRedis(String address) throws Exception {
    client =
        Redis.createClient(
            vertx,
            new RedisOptions()
                .setConnectionString("redis://" + address)
                .setPreferredProtocolVersion(ProtocolVersion.RESP2));
    try {
      conn = client.connect().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      client.close();
      vertx.close();
      throw e;
    }
  }

  /** One command on a connection of its own, for a server the test restarts meanwhile. */
  public static Response once(String address, Command command, Object... args) throws Exception {
    try (RawRedis raw = new RawRedis(address)) {
      return raw.call(command, args);
    }
  }

  /** Runs one command; arguments are byte arrays or anything else, sent as text. */
  public Response call(Command command, Object... args) throws Exception {
    Request r = Request.cmd(command);
    for (Object a : args) {
      if (a instanceof byte[] b) {
        r.arg(b);
      } else {
        r.arg(String.valueOf(a));
      }
    }
    try {
      return conn.send(r).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("redis " + command + " failed: " + e.getCause(), e.getCause());
    }
  }

  @Override
  public void close() {
    conn.close();
    client.close();
    vertx.close();
  }
}
