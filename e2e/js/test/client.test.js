// The official JavaScript SDK's DaprClient against one Tandem sidecar, over HTTP and over gRPC.
// The same cases run once per protocol; keys are prefixed with the protocol so the runs don't meet.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startSidecar, SECRETS } from "./support/sidecar.js";
import {
  PROTOCOLS,
  GrpcCode,
  assertSidecarError,
  errorOf,
  newClient,
  testWithReport,
} from "./support/sdk.js";

const APP_ID = "tandem-e2e-js";
const STATE_STORES = [
  { name: "statestore", type: "state.in-memory" },
  { name: "sqlitestore", type: "state.sqlite" },
];

let sidecar;
const test = testWithReport(it, () => sidecar);
const clients = [];

before(async () => {
  sidecar = await startSidecar({ appId: APP_ID });
});

after(async () => {
  for (const client of clients) await client.stop().catch(() => {});
  if (sidecar) await sidecar.stop();
});

/** The etag the SDK reports for `key`, read through getBulk (state.get returns only the value). */
async function etagOf(client, store, key) {
  const items = await client.state.getBulk(store, [key]);
  assert.equal(items.length, 1, `getBulk of one key returns one item: ${JSON.stringify(items)}`);
  assert.equal(items[0].key, key);
  const etag = items[0].etag;
  assert.equal(typeof etag, "string", `etag of ${key}: ${JSON.stringify(items[0])}`);
  assert.notEqual(etag, "", `etag of ${key} is empty: ${JSON.stringify(items[0])}`);
  return etag;
}

for (const proto of PROTOCOLS) {
  describe(`@dapr/dapr DaprClient over ${proto.name}`, () => {
    let client;
    const k = (name) => `${proto.name.toLowerCase()}-${name}`;

    before(async () => {
      client = newClient(sidecar, proto);
      clients.push(client);
      await client.start();
    });

    for (const store of STATE_STORES) {
      describe(`state on ${store.name} (${store.type})`, () => {
        test("save then get returns the object, the string and the number saved", async () => {
          const saved = await client.state.save(store.name, [
            { key: k("obj"), value: { name: "Ada", langs: ["js", "java"], n: 3, nested: { ok: true } } },
            { key: k("str"), value: "hello tandem" },
            { key: k("num"), value: 42 },
          ]);
          assert.equal(saved?.error, undefined, `save reported ${saved?.error}`);

          assert.deepEqual(await client.state.get(store.name, k("obj")), {
            name: "Ada",
            langs: ["js", "java"],
            n: 3,
            nested: { ok: true },
          });
          assert.equal(await client.state.get(store.name, k("str")), "hello tandem");
          assert.equal(await client.state.get(store.name, k("num")), 42);
        });

        test("delete then get is empty", async () => {
          await client.state.save(store.name, [{ key: k("doomed"), value: "short-lived" }]);
          assert.equal(await client.state.get(store.name, k("doomed")), "short-lived");

          const deleted = await client.state.delete(store.name, k("doomed"));
          assert.equal(deleted?.error, undefined, `delete reported ${deleted?.error}`);
          // A missing key reads as an empty string through the SDK (HTTP 204 / empty gRPC data).
          assert.equal(await client.state.get(store.name, k("doomed")), "");
        });

        test("getBulk returns the saved keys with their values, and a missing key without data", async () => {
          await client.state.save(store.name, [
            { key: k("bulk-1"), value: { i: 1 } },
            { key: k("bulk-2"), value: "two" },
          ]);
          const items = await client.state.getBulk(store.name, [k("bulk-1"), k("bulk-2"), k("bulk-missing")]);
          assert.equal(items.length, 3, JSON.stringify(items));
          const byKey = Object.fromEntries(items.map((item) => [item.key, item]));
          assert.deepEqual(Object.keys(byKey).sort(), [k("bulk-1"), k("bulk-2"), k("bulk-missing")].sort());
          assert.deepEqual(byKey[k("bulk-1")].data, { i: 1 });
          assert.equal(byKey[k("bulk-2")].data, "two");
          assert.ok(byKey[k("bulk-1")].etag, `saved key has an etag: ${JSON.stringify(byKey[k("bulk-1")])}`);
          // Dapr answers a missing key with an item that has no data and no etag: over HTTP the
          // fields are absent ({"key":"..."}), over gRPC they are empty bytes/strings.
          const missing = byKey[k("bulk-missing")];
          const empty = proto.name === "HTTP" ? undefined : "";
          assert.equal(missing.data, empty, `missing key's data: ${JSON.stringify(missing)}`);
          assert.equal(missing.etag, empty, `missing key's etag: ${JSON.stringify(missing)}`);
        });

        test("transaction applies an upsert and a delete together", async () => {
          await client.state.save(store.name, [{ key: k("tx-old"), value: "to be deleted" }]);
          assert.equal(await client.state.get(store.name, k("tx-old")), "to be deleted");

          // String values: the SDK's gRPC transaction sends request.value as UTF-8 bytes of a string.
          await client.state.transaction(store.name, [
            { operation: "upsert", request: { key: k("tx-new"), value: "written in a transaction" } },
            { operation: "delete", request: { key: k("tx-old") } },
          ]);

          assert.equal(await client.state.get(store.name, k("tx-new")), "written in a transaction");
          assert.equal(await client.state.get(store.name, k("tx-old")), "");
        });

        test("etags: save with the current etag succeeds, with a stale etag it is rejected", async () => {
          const key = k("etag");
          await client.state.save(store.name, [{ key, value: "v1" }]);
          const etag1 = await etagOf(client, store.name, key);

          const ok = await errorOf(() => client.state.save(store.name, [{ key, value: "v2", etag: etag1 }]));
          assert.equal(ok, null, `save with the current etag failed: ${ok?.message}`);
          assert.equal(await client.state.get(store.name, key), "v2");
          const etag2 = await etagOf(client, store.name, key);
          assert.notEqual(etag2, etag1, "the etag changes when the value is written");

          // etag1 is stale now: Dapr answers 409 ERR_STATE_SAVE over HTTP, ABORTED over gRPC.
          const stale = await errorOf(() => client.state.save(store.name, [{ key, value: "v3", etag: etag1 }]));
          assertSidecarError(proto.name, stale, { http: 409, errorCode: "ERR_STATE_SAVE", grpc: GrpcCode.ABORTED });
          assert.equal(await client.state.get(store.name, key), "v2", "a rejected save leaves the value alone");

          // Same for delete: a stale etag is refused, the current one deletes.
          const staleDelete = await errorOf(() => client.state.delete(store.name, key, { etag: etag1 }));
          assertSidecarError(proto.name, staleDelete, {
            http: 409,
            errorCode: "ERR_STATE_DELETE",
            grpc: GrpcCode.ABORTED,
          });
          assert.equal(await client.state.get(store.name, key), "v2", "a rejected delete leaves the value alone");
          const okDelete = await errorOf(() => client.state.delete(store.name, key, { etag: etag2 }));
          assert.equal(okDelete, null, `delete with the current etag failed: ${okDelete?.message}`);
          assert.equal(await client.state.get(store.name, key), "");
        });
      });
    }

    describe("secrets", () => {
      test("get a flat key from localsecretstore", async () => {
        assert.deepEqual(await client.secret.get("localsecretstore", "db-password"), {
          "db-password": SECRETS.file["db-password"],
        });
      });

      test("get a nested key with the ':' separator from localsecretstore", async () => {
        assert.deepEqual(await client.secret.get("localsecretstore", "connection:host"), {
          "connection:host": SECRETS.file.connection.host,
        });
      });

      test("getBulk returns every secret of localsecretstore, nested ones flattened", async () => {
        assert.deepEqual(await client.secret.getBulk("localsecretstore"), {
          "db-password": { "db-password": SECRETS.file["db-password"] },
          "api-key": { "api-key": SECRETS.file["api-key"] },
          "connection:host": { "connection:host": SECRETS.file.connection.host },
          "connection:user": { "connection:user": SECRETS.file.connection.user },
        });
      });

      test("get from envsecretstore reads the sidecar's environment", async () => {
        assert.deepEqual(await client.secret.get("envsecretstore", SECRETS.envName), {
          [SECRETS.envName]: SECRETS.envValue,
        });
      });
    });

    describe("metadata", () => {
      test("get shows the app id and the components with their types", async () => {
        const md = await client.metadata.get();
        assert.equal(md.id, APP_ID);
        assert.ok(Array.isArray(md.components), `components: ${JSON.stringify(md)}`);
        const types = Object.fromEntries(md.components.map((c) => [c.name, c.type]));
        assert.deepEqual(types, {
          statestore: "state.in-memory",
          sqlitestore: "state.sqlite",
          localsecretstore: "secretstores.local.file",
          envsecretstore: "secretstores.local.env",
        });
      });

      test("set then get shows the extended attribute", async () => {
        const key = k("attr");
        const value = `value-from-${proto.name}-${Date.now()}`;
        assert.equal(await client.metadata.set(key, value), true);
        const md = await client.metadata.get();
        assert.equal(md.extended?.[key], value, `extended: ${JSON.stringify(md.extended)}`);
      });
    });

    describe("health", () => {
      test("isHealthy is true", async () => {
        assert.equal(await client.health.isHealthy(), true);
      });
    });

    describe("errors", () => {
      test("get from an unknown state store throws", async () => {
        // Dapr: ERR_STATE_STORE_NOT_FOUND, HTTP 400, gRPC INVALID_ARGUMENT.
        await assert.rejects(client.state.get("no-such-store", k("any")), (err) => {
          assertSidecarError(proto.name, err, {
            http: 400,
            errorCode: "ERR_STATE_STORE_NOT_FOUND",
            grpc: GrpcCode.INVALID_ARGUMENT,
          });
          return true;
        });
      });
    });
  });
}
