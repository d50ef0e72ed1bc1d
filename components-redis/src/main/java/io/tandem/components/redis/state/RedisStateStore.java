package io.tandem.components.redis.state;

import io.tandem.components.Completions;
import io.tandem.components.ComponentContext;
import io.tandem.components.ComponentException;
import io.tandem.components.ComponentException.Reason;
import io.tandem.components.ComponentMetadata;
import io.tandem.components.redis.RedisLink;
import io.tandem.components.redis.state.StateScripts.Script;
import io.tandem.components.state.Concurrency;
import io.tandem.components.state.DeleteRequest;
import io.tandem.components.state.GetRequest;
import io.tandem.components.state.GetResponse;
import io.tandem.components.state.NumericEtags;
import io.tandem.components.state.SetRequest;
import io.tandem.components.state.StateStore;
import io.tandem.components.state.StateTtl;
import io.tandem.components.state.TransactionalOperation;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import io.vertx.redis.client.impl.types.ErrorType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code state.redis}: state in Redis through the Vert.x Redis client, in Dapr's layout (a hash per
 * key with fields {@code data} and {@code version}; the version is the ETag; a TTL is the key's
 * expiry), so a database written by Dapr reads unchanged and Dapr can read what Tandem writes.
 *
 * <p>Every operation is one round trip: a read runs {@link StateScripts#GET} (value, version and
 * TTL at once); a save, a delete and a whole transaction run {@link StateScripts#APPLY}, which
 * checks every ETag before it writes anything. Scripts run by {@code EVALSHA}, falling back to
 * {@code EVAL} once when Redis answers {@code NOSCRIPT} (after a restart or {@code SCRIPT FLUSH}).
 *
 * <p>Versions come from a sequence key ({@value #SEQUENCE_KEY}; in a cluster, one per hash slot) so
 * an ETag is never reused, even after a delete and re-create.
 */
public final class RedisStateStore implements StateStore {
  private static final Logger LOG = LoggerFactory.getLogger("tandem.components.state.redis");

  /** Where the version sequence lives (per hash slot in a cluster: with a hash tag appended). */
  static final String SEQUENCE_KEY = "tandem:state:etag-sequence";

  private RedisStateConfig config;
  private RedisLink link;
  private boolean cluster;
  private String where;
  private volatile boolean closed;

  @Override
  public void init(ComponentMetadata metadata, ComponentContext context) throws Exception {
    config = RedisStateConfig.from(metadata);
    where = String.valueOf(config.settings());
    cluster = config.settings().clientType() == RedisClientType.CLUSTER;
    link =
        RedisLink.open("state store " + metadata.name(), config.settings(), context, LOG, o -> o);
    LOG.info("state store {}: {}", metadata.name(), config);
  }

  @Override
  public Set<String> features() {
    return Set.of(FEATURE_ETAG, FEATURE_TRANSACTIONAL, FEATURE_TTL);
  }

  @Override
  public Optional<String> trouble() {
    RedisLink l = link;
    return l == null ? Optional.empty() : l.trouble();
  }

  // ---- reads ------------------------------------------------------------------------------------

  @Override
  public CompletionStage<GetResponse> get(GetRequest request) {
    return run(
        "get " + request.key(),
        config.readTimeout(),
        StateScripts.GET,
        List.of(request.key()),
        List.of(),
        reply -> toResponse(request.key(), reply));
  }

  private static GetResponse toResponse(String key, Response reply) {
    String type = reply.get(0).toString();
    switch (type) {
      case "none":
        return null;
      case "hash", "string":
        break;
      default:
        throw ComponentException.failure(
            "key " + key + " holds a " + type + ", not a state value", null);
    }
    Response data = reply.get(1);
    Response version = reply.get(2);
    if (type.equals("hash") && (isNil(data) || isNil(version))) {
      throw ComponentException.failure(
          "key " + key + " is a hash without the fields 'data' and 'version': not a state value",
          null);
    }
    long pttl = reply.get(3).toLong();
    long expiry = pttl > 0 ? System.currentTimeMillis() + pttl : 0;
    return new GetResponse(
        isNil(data) ? new byte[0] : data.toBytes(),
        isNil(version) ? null : version.toString(),
        StateTtl.responseMetadata(expiry));
  }

  /** A Lua nil or false: a null element under RESP2, a boolean false under RESP3. */
  private static boolean isNil(Response r) {
    return r == null || r.type() == ResponseType.BOOLEAN && !r.toBoolean();
  }

  // ---- writes -----------------------------------------------------------------------------------

  @Override
  public CompletionStage<Void> set(SetRequest request) {
    return apply("set " + request.key(), List.of(new TransactionalOperation.Upsert(request)));
  }

  @Override
  public CompletionStage<Void> delete(DeleteRequest request) {
    return apply("delete " + request.key(), List.of(new TransactionalOperation.Delete(request)));
  }

  @Override
  public CompletionStage<Void> multi(List<TransactionalOperation> operations) {
    if (operations.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return apply("transaction of " + operations.size() + " operations", operations);
  }

  /** Runs {@link StateScripts#APPLY} for {@code operations}: all applied, or none. */
  private CompletionStage<Void> apply(String what, List<TransactionalOperation> operations) {
    List<String> keys = new ArrayList<>(operations.size() + 1);
    List<Object> args = new ArrayList<>(operations.size() * StateScripts.ARGS_PER_OPERATION);
    try {
      keys.add(SEQUENCE_KEY);
      for (TransactionalOperation op : operations) {
        keys.add(op.key());
        if (op instanceof TransactionalOperation.Upsert u) {
          addSet(u.request(), args);
        } else if (op instanceof TransactionalOperation.Delete d) {
          addDelete(d.request(), args);
        }
      }
      if (cluster) {
        keys.set(0, sequenceKeyInSlotOf(keys.subList(1, keys.size())));
      }
    } catch (ComponentException e) {
      return CompletableFuture.failedFuture(e);
    }
    return run(
        what,
        config.writeTimeout(),
        StateScripts.APPLY,
        keys,
        args,
        reply -> {
          String outcome = reply.get(0).toString();
          if (outcome.equals("ok")) {
            return null;
          }
          String key = operations.get(reply.get(1).toInteger() - 1).key();
          String step = operations.size() > 1 ? " (key " + key + ")" : "";
          if (outcome.equals("exists")) {
            throw new ComponentException(
                Reason.ETAG_MISMATCH, "first-write: the key already exists" + step);
          }
          throw new ComponentException(
              Reason.ETAG_MISMATCH, "possible etag mismatch: the etag given is stale" + step);
        });
  }

  private void addSet(SetRequest request, List<Object> args) {
    OptionalLong ttl = StateTtl.parse(request.metadata());
    long seconds;
    if (ttl.isPresent()) {
      seconds = ttl.getAsLong();
    } else if (request.metadata().containsKey(TTL_IN_SECONDS)
        && !request.metadata().get(TTL_IN_SECONDS).isEmpty()) {
      seconds = 0; // -1 or 0 given: no TTL, overriding the component's default
    } else {
      seconds = config.defaultTtlSeconds();
    }
    String check = "none";
    String etag = "";
    if (request.options().concurrency() != Concurrency.LAST_WRITE) {
      if (request.hasEtag()) {
        check = "etag";
        etag = Long.toString(NumericEtags.parse(request.etag()));
      } else if (request.options().concurrency() == Concurrency.FIRST_WRITE) {
        check = "absent";
      }
    }
    args.add("set");
    args.add(check);
    args.add(etag);
    args.add(request.value() == null ? new byte[0] : request.value());
    args.add(Long.toString(seconds));
  }

  private static void addDelete(DeleteRequest request, List<Object> args) {
    String check = "none";
    String etag = "";
    if (request.options().concurrency() != Concurrency.LAST_WRITE && request.hasEtag()) {
      check = "etag";
      etag = Long.toString(NumericEtags.parse(request.etag()));
    }
    args.add("del");
    args.add(check);
    args.add(etag);
    args.add("");
    args.add("0");
  }

  /** The version sequence of the one hash slot all {@code keys} share, in a cluster. */
  private static String sequenceKeyInSlotOf(List<String> keys) {
    int slot = HashSlots.slot(keys.get(0));
    for (String k : keys) {
      if (HashSlots.slot(k) != slot) {
        throw ComponentException.invalid(
            "in a Redis cluster the keys of one transaction must share a hash slot: give them a"
                + " common {hash tag}; "
                + keys.get(0)
                + " and "
                + k
                + " do not");
      }
    }
    return SEQUENCE_KEY + ":{" + HashSlots.tagFor(slot) + "}";
  }

  // ---- running scripts --------------------------------------------------------------------------

  /**
   * Runs {@code script} with EVALSHA (EVAL when Redis has not cached it), bounded by {@code
   * timeout}, and turns the reply into a result with {@code read} (which may throw a {@link
   * ComponentException}). Fails at once while the store is cut off from Redis (see {@link
   * RedisLink}).
   */
  private <T> CompletionStage<T> run(
      String what,
      Duration timeout,
      Script script,
      List<String> keys,
      List<Object> args,
      Function<Response, T> read) {
    if (closed) {
      return CompletableFuture.failedFuture(
          ComponentException.failure("state store is closed", null));
    }
    Future<Response> sent =
        link.guard(
            redis ->
                redis
                    .send(request(Command.EVALSHA, script.sha(), keys, args))
                    .recover(
                        e -> {
                          if (e instanceof ErrorType err && err.is("NOSCRIPT")) {
                            return redis.send(request(Command.EVAL, script.text(), keys, args));
                          }
                          return Future.failedFuture(e);
                        }),
            timeout);
    return sent.toCompletionStage()
        .handle(
            (r, e) -> {
              if (e != null) {
                throw failure(what, Completions.unwrap(e), timeout, script == StateScripts.APPLY);
              }
              return read.apply(r);
            });
  }

  private ComponentException failure(String what, Throwable e, Duration timeout, boolean writes) {
    if (e instanceof ComponentException cut) {
      // cut off from Redis: the link says why
      return ComponentException.failure(what + " failed: " + cut.getMessage(), null);
    }
    if (e instanceof TimeoutException) {
      return ComponentException.failure(
          what
              + " failed: no answer from "
              + where
              + " within "
              + timeout.toMillis()
              + "ms"
              + (writes ? " (the write may still have been applied)" : ""),
          null);
    }
    if (RedisLink.isErrorReply(e) && !RedisLink.isConnectionLoss(e)) {
      return ComponentException.failure(
          what + " failed: redis answered " + config.redact(e.getMessage()), null);
    }
    return ComponentException.failure(
        what + " failed: cannot reach " + where + ": " + link.describe(e), null);
  }

  private static Request request(
      Command command, String script, List<String> keys, List<Object> args) {
    Request r = Request.cmd(command).arg(script).arg(keys.size());
    for (String k : keys) {
      r.arg(k);
    }
    for (Object a : args) {
      if (a instanceof byte[] b) {
        r.arg(b);
      } else {
        r.arg((String) a);
      }
    }
    return r;
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (link != null) {
      link.close();
    }
  }

  /** For tests: the resolved configuration. */
  RedisStateConfig config() {
    return config;
  }
}
