package io.tandem.components.redis.state;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The Lua scripts behind {@code state.redis}. Each runs atomically inside Redis, so a read sees a
 * value, its version and its TTL together, and a write checks its ETags and applies itself with no
 * other client in between.
 *
 * <p>The layout is Dapr's: one hash per key with fields {@code data} (the value's bytes) and {@code
 * version} (a decimal integer, which is the ETag), and the TTL as the key's own expiry. A key that
 * holds a plain string (written by very old Dapr versions) reads as a value without an ETag.
 */
final class StateScripts {

  /** A script's text and the SHA-1 that {@code EVALSHA} names it by. */
  record Script(String name, String text, String sha) {
    static Script of(String name, String text) {
      try {
        byte[] digest = MessageDigest.getInstance("SHA-1").digest(text.getBytes(UTF_8));
        return new Script(name, text, HexFormat.of().formatHex(digest));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-1 is missing from this JVM", e);
      }
    }
  }

  /**
   * Reads one key. KEYS[1]: the key. Returns {@code {type}} when the key is missing or not a value,
   * else {@code {type, data, version, pttl}}, where version is nil for a plain string and pttl is
   * -1 without a TTL.
   */
  static final Script GET =
      Script.of(
          "get",
          """
          local t = redis.call("TYPE", KEYS[1])["ok"]
          if t == "hash" then
            local f = redis.call("HMGET", KEYS[1], "data", "version")
            return {t, f[1], f[2], redis.call("PTTL", KEYS[1])}
          elseif t == "string" then
            return {t, redis.call("GET", KEYS[1]), false, redis.call("PTTL", KEYS[1])}
          end
          return {t}
          """);

  /** ARGV values per operation of {@link #APPLY}. */
  static final int ARGS_PER_OPERATION = 5;

  /**
   * Applies writes, all or none. KEYS[1] is the version sequence; KEYS[1 + i] the key of operation
   * i. ARGV holds five values per operation: kind ({@code set} or {@code del}), check ({@code
   * none}, {@code etag}: the current version must equal the etag given, or {@code absent}: the key
   * must not exist), the etag, the data, and the TTL in seconds ({@code 0}: none, an existing TTL
   * is removed).
   *
   * <p>Every check runs first, against the state as the earlier operations leave it, and nothing is
   * written unless all pass. Returns {@code {"ok"}}, or {@code {"mismatch", i}} / {@code {"exists",
   * i}} naming the first operation whose check failed.
   *
   * <p>A new version is one more than the larger of the sequence and the key's current version, and
   * becomes the sequence's value: versions only grow, on every key, so an ETag is never handed out
   * twice, even after a delete and re-create, and a Dapr sidecar that bumps {@code version} by one
   * on the same data never collides with a version this script hands out later.
   */
  static final Script APPLY =
      Script.of(
          "apply",
          """
          local seq = tonumber(redis.call("GET", KEYS[1])) or 0
          local known = {}
          local versions = {}
          local n = #KEYS - 1
          for i = 1, n do
            local key = KEYS[i + 1]
            local at = (i - 1) * 5
            local current = known[key]
            if current == nil then
              local t = redis.call("TYPE", key)["ok"]
              if t == "none" then
                current = false
              elseif t == "hash" then
                current = redis.call("HGET", key, "version") or ""
              else
                current = ""
              end
            end
            local check = ARGV[at + 2]
            if check == "etag" then
              if current ~= ARGV[at + 3] then
                return {"mismatch", i}
              end
            elseif check == "absent" then
              if current then
                return {"exists", i}
              end
            end
            if ARGV[at + 1] == "set" then
              seq = math.max(seq, tonumber(current) or 0) + 1
              versions[i] = string.format("%d", seq)
              known[key] = versions[i]
            else
              known[key] = false
            end
          end
          local wrote = false
          for i = 1, n do
            local key = KEYS[i + 1]
            local at = (i - 1) * 5
            if ARGV[at + 1] == "set" then
              local t = redis.call("TYPE", key)["ok"]
              if t ~= "hash" and t ~= "none" then
                redis.call("DEL", key)
              end
              redis.call("HSET", key, "data", ARGV[at + 4], "version", versions[i])
              local ttl = tonumber(ARGV[at + 5])
              if ttl > 0 then
                redis.call("EXPIRE", key, ttl)
              else
                redis.call("PERSIST", key)
              end
              wrote = true
            else
              redis.call("DEL", key)
            end
          end
          if wrote then
            redis.call("SET", KEYS[1], string.format("%d", seq))
          end
          return {"ok"}
          """);

  private StateScripts() {}
}
