package io.tandem.components.redis.pubsub;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.ProtocolVersion;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.concurrent.TimeUnit;

/** Plain Redis commands for tests, on one connection, waiting for each answer. */
final class RawRedis implements AutoCloseable {
  private final Vertx vertx = Vertx.vertx();
  private final Redis client;
  private final RedisConnection conn;

  RawRedis(String address) throws Exception {
    client =
        Redis.createClient(
            vertx,
            new RedisOptions()
                .setConnectionString("redis://" + address)
                .setPreferredProtocolVersion(ProtocolVersion.RESP2));
    conn = client.connect().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Sends {@code args} (byte[] or anything else as text) and returns the answer. */
  Response send(String command, Object... args) throws Exception {
    Request r = Request.cmd(Command.create(command));
    for (Object a : args) {
      if (a instanceof byte[] b) {
        r.arg(b);
      } else {
        r.arg(String.valueOf(a));
      }
    }
    return conn.send(r).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  long number(String command, Object... args) throws Exception {
    return send(command, args).toLong();
  }

  @Override
  public void close() {
    conn.close();
    client.close();
    vertx.close();
  }
}
