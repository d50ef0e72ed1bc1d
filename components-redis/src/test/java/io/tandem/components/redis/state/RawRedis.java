package io.tandem.components.redis.state;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** A plain Redis client for tests: looks at (and writes) keys the way another program would. */
final class RawRedis implements AutoCloseable {
  private final Vertx vertx = Vertx.vertx();
  private final Redis redis;

  RawRedis(String address) {
    this(address, "");
  }

  RawRedis(String address, String password) {
    String auth = password.isEmpty() ? "" : ":" + password + "@";
    redis =
        Redis.createClient(
            vertx, new RedisOptions().setConnectionString("redis://" + auth + address));
  }

  /** Runs one command; arguments are strings or byte arrays. */
  Response call(Command command, Object... args) throws Exception {
    Request r = Request.cmd(command);
    for (Object a : args) {
      if (a instanceof byte[] b) {
        r.arg(b);
      } else {
        r.arg(String.valueOf(a));
      }
    }
    try {
      return redis.send(r).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("redis " + command + " failed: " + e.getCause(), e.getCause());
    }
  }

  @Override
  public void close() {
    redis.close();
    vertx.close();
  }
}
