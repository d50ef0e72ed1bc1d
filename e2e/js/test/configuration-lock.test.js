// The official JavaScript SDK's lock and configuration clients against a Tandem sidecar whose
// lock.redis and configuration.redis components use the shared test Redis. Locks run over HTTP and
// gRPC; the SDK serves configuration over gRPC only (its HTTP client throws HTTPNotSupportedError).
// Configuration items are written straight into Redis in Dapr's "value||version" format.

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { startSidecar } from "./support/sidecar.js";
import { redis, redisAddress } from "./support/redis.js";
import { PROTOCOLS, assertSidecarError, errorOf, newClient, testWithReport } from "./support/sdk.js";

const APP_ID = "tandem-e2e-js-lockcfg";
// The SDK's LockStatus enum (types/lock/UnlockResponse), which its package index does not export.
const LockStatus = { Success: 0, LockDoesNotExist: 1, LockBelongsToOthers: 2 };
const RUN = randomUUID().slice(0, 8);

let sidecar;
const test = testWithReport(it, () => sidecar);
const clients = [];

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `cond` every 50 ms until it is true; fails after `ms` with `what`. */
async function until(cond, what, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

before(async () => {
  const host = redisAddress();
  sidecar = await startSidecar({
    appId: APP_ID,
    extraComponents: `apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: lockstore
spec:
  type: lock.redis
  version: v1
  metadata:
    - name: redisHost
      value: "${host}"
---
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: configstore
spec:
  type: configuration.redis
  version: v1
  metadata:
    - name: redisHost
      value: "${host}"
`,
  });
});

after(async () => {
  for (const client of clients) await client.stop().catch(() => {});
  if (sidecar) await sidecar.stop();
});

for (const proto of PROTOCOLS) {
  describe(`@dapr/dapr lock over ${proto.name}`, () => {
    let client;
    const resource = (name) => `js-${RUN}-${proto.name.toLowerCase()}-${name}`;

    before(async () => {
      client = newClient(sidecar, proto);
      clients.push(client);
      await client.start();
    });

    test("lock, refuse another owner, unlock with Dapr's statuses", async () => {
      const r = resource("order");
      assert.deepEqual(await client.lock.lock("lockstore", r, "owner-a", 60), { success: true });
      assert.deepEqual(await client.lock.lock("lockstore", r, "owner-b", 60), { success: false });
      // stored under Dapr's default lock key, so Dapr and Tandem sidecars share it
      assert.equal(await redis("GET", `lock||${APP_ID}||${r}`), "owner-a");
      assert.deepEqual(await client.lock.unlock("lockstore", r, "owner-b"), {
        status: LockStatus.LockBelongsToOthers,
      });
      assert.deepEqual(await client.lock.unlock("lockstore", r, "owner-a"), { status: LockStatus.Success });
      assert.deepEqual(await client.lock.unlock("lockstore", r, "owner-a"), {
        status: LockStatus.LockDoesNotExist,
      });
    });

    test("an unknown lock store is ERR_LOCK_STORE_NOT_FOUND (400 / INVALID_ARGUMENT)", async () => {
      const err = await errorOf(() => client.lock.lock("nope", resource("x"), "o", 10));
      assertSidecarError(proto.name, err, { http: 400, errorCode: "ERR_LOCK_STORE_NOT_FOUND", grpc: 3 });
    });

    test("a non-positive expiry is ERR_MALFORMED_REQUEST (400 / INVALID_ARGUMENT)", async () => {
      const err = await errorOf(() => client.lock.lock("lockstore", resource("x"), "o", 0));
      assertSidecarError(proto.name, err, { http: 400, errorCode: "ERR_MALFORMED_REQUEST", grpc: 3 });
    });
  });
}

describe("@dapr/dapr configuration over GRPC", () => {
  let client;
  const key = (name) => `js-${RUN}-cfg-${name}`;

  before(async () => {
    client = newClient(sidecar, PROTOCOLS.find((p) => p.name === "GRPC"));
    clients.push(client);
    await client.start();
  });

  test("get returns the items written in Redis, without the missing ones", async () => {
    await redis("SET", key("limit"), "100||3");
    await redis("SET", key("currency"), "EUR");
    const res = await client.configuration.get("configstore", [key("limit"), key("currency"), key("absent")]);
    assert.deepEqual(Object.keys(res.items).sort(), [key("currency"), key("limit")].sort());
    assert.equal(res.items[key("limit")].value, "100");
    assert.equal(res.items[key("limit")].version, "3");
    assert.equal(res.items[key("currency")].value, "EUR");
  });

  test("subscribeWithKeys hears each change of its keys until stop()", async () => {
    const watched = key("watched");
    const seen = [];
    const subscription = await client.configuration.subscribeWithKeys("configstore", [watched], (res) => {
      seen.push(res.items);
    });
    try {
      // the subscription is in place once the sidecar streamed its id; a write may race it, so
      // write until the first change arrives
      await until(async () => {
        await redis("SET", watched, "v1||1");
        return seen.some((items) => items[watched]?.value === "v1");
      }, "the first change");
      await redis("SET", key("unwatched"), "x||1");
      await redis("SET", watched, "v2||2");
      await until(() => seen.some((items) => items[watched]?.value === "v2"), "the second change");
      const v2 = seen.find((items) => items[watched]?.value === "v2")[watched];
      assert.equal(v2.version, "2");
      assert.ok(seen.every((items) => !(key("unwatched") in items)), JSON.stringify(seen));
    } finally {
      await subscription.stop();
    }
    const count = seen.length;
    await redis("SET", watched, "v3||3");
    await sleep(500);
    assert.equal(seen.length, count, "nothing arrives after stop()");
  });

  test("an unknown configuration store is INVALID_ARGUMENT", async () => {
    const err = await errorOf(() => client.configuration.get("nope", ["a"]));
    assertSidecarError("GRPC", err, { grpc: 3 });
  });
});
