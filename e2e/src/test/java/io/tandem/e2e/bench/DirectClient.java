package io.tandem.e2e.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.RedisOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The baseline the sidecar is compared against: what an app would do with a client library of its
 * own, talking to the same server, for the same save and get. Calls block the benchmark worker,
 * like the sidecar calls they are compared with.
 */
abstract class DirectClient implements AutoCloseable {
  final String description;
  final Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(false));

  DirectClient(String description) {
    this.description = description;
  }

  abstract boolean save(String key, String value) throws Exception;

  abstract boolean get(String key) throws Exception;

  @Override
  public void close() {
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }

  /** Redis with the Vert.x client: SET and GET on a pool as big as the worker count. */
  static DirectClient redis(String address, int connections) {
    return new DirectClient("Vert.x Redis client " + address + ", SET/GET, pool " + connections) {
      final RedisAPI api =
          RedisAPI.api(
              Redis.createClient(
                  vertx,
                  new RedisOptions()
                      .setConnectionString("redis://" + address)
                      .setMaxPoolSize(connections)
                      .setMaxPoolWaiting(1024)));

      @Override
      boolean save(String key, String value) throws Exception {
        api.set(List.of("bench-direct||" + key, value))
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
        return true;
      }

      @Override
      boolean get(String key) throws Exception {
        return api.get("bench-direct||" + key)
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS)
            != null;
      }
    };
  }

  /** PostgreSQL with the Vert.x client: an upsert and a select by primary key on a jsonb table. */
  static DirectClient postgres(String url, int connections) throws Exception {
    DirectClient c =
        new DirectClient(
            "Vert.x PostgreSQL client, INSERT .. ON CONFLICT / SELECT by key, pool "
                + connections) {
          final Pool pool =
              PgBuilder.pool()
                  .with(new PoolOptions().setMaxSize(connections).setConnectionTimeout(0))
                  .connectingTo(PgConnectOptions.fromUri(url).setCachePreparedStatements(true))
                  .using(vertx)
                  .build();

          {
            pool.query(
                    "CREATE TABLE IF NOT EXISTS bench_direct (key text PRIMARY KEY, value jsonb"
                        + " NOT NULL, updatedate timestamptz)")
                .execute()
                .toCompletionStage()
                .toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
          }

          @Override
          boolean save(String key, String value) throws Exception {
            pool.preparedQuery(
                    "INSERT INTO bench_direct (key, value, updatedate) VALUES ($1, $2::jsonb,"
                        + " now()) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value,"
                        + " updatedate = now()")
                .execute(Tuple.of(key, value))
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
            return true;
          }

          @Override
          boolean get(String key) throws Exception {
            return pool.preparedQuery("SELECT value FROM bench_direct WHERE key = $1")
                    .execute(Tuple.of(key))
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(10, TimeUnit.SECONDS)
                    .size()
                == 1;
          }
        };
    return c;
  }
}
