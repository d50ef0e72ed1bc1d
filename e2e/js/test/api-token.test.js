// API-token authentication: a sidecar started with DAPR_API_TOKEN, used through the SDK with the
// right token and with a wrong one, over HTTP and over gRPC.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { startSidecar } from "./support/sidecar.js";
import { PROTOCOLS, GrpcCode, newClient, rawGrpcCall, testWithReport } from "./support/sdk.js";

const TOKEN = randomBytes(24).toString("base64url");
const WRONG_TOKEN = `${TOKEN}-wrong`;

let sidecar;
const test = testWithReport(it, () => sidecar);
const clients = [];

before(async () => {
  // The sidecar's healthz answers without a token, so startSidecar's readiness wait works as is.
  sidecar = await startSidecar({ appId: "tandem-e2e-js-token", env: { DAPR_API_TOKEN: TOKEN } });
});

after(async () => {
  for (const client of clients) await client.stop().catch(() => {});
  if (sidecar) await sidecar.stop();
});

// The wrong-token cases wait out the SDK's own start-up retries (client.start() polls the
// metadata endpoint about 60 times, 500 ms apart, before giving up), so the cases of this file run
// concurrently to keep the suite short.
describe("API token (sidecar started with DAPR_API_TOKEN)", { concurrency: true }, () => {
  for (const proto of PROTOCOLS) {
    describe(`@dapr/dapr DaprClient over ${proto.name}`, { concurrency: true }, () => {
      const key = `${proto.name.toLowerCase()}-token-key`;

      test("with daprApiToken set to the sidecar's token: save then get works", async () => {
        const client = newClient(sidecar, proto, { daprApiToken: TOKEN });
        clients.push(client);
        const saved = await client.state.save("statestore", [{ key, value: { by: proto.name, ok: true } }]);
        assert.equal(saved?.error, undefined, `save reported ${saved?.error}`);
        assert.deepEqual(await client.state.get("statestore", key), { by: proto.name, ok: true });
      });

      test(
        "with a wrong daprApiToken: the call throws",
        async () => {
          const client = newClient(sidecar, proto, { daprApiToken: WRONG_TOKEN });
          clients.push(client);
          // The SDK first waits for the sidecar through the (token-protected) metadata API; every
          // probe is refused, and the SDK gives up with DAPR_SIDECAR_COULD_NOT_BE_STARTED (as it does
          // against Dapr's daprd). The wire-level test below shows what the sidecar answered.
          await assert.rejects(client.state.get("statestore", key), /DAPR_SIDECAR_COULD_NOT_BE_STARTED/);
        },
        { timeout: 90_000 },
      );
    });
  }

  describe("what the sidecar answers on the wire", { concurrency: true }, () => {
    test("HTTP: 401 without a token and with a wrong token, 200 with the right one; healthz needs none", async () => {
      const url = `${sidecar.httpUrl}/v1.0/metadata`;
      const none = await fetch(url);
      await none.arrayBuffer();
      assert.equal(none.status, 401, "no dapr-api-token header");
      const wrong = await fetch(url, { headers: { "dapr-api-token": WRONG_TOKEN } });
      await wrong.arrayBuffer();
      assert.equal(wrong.status, 401, "wrong dapr-api-token header");
      const right = await fetch(url, { headers: { "dapr-api-token": TOKEN } });
      const body = await right.json();
      assert.equal(right.status, 200, "right dapr-api-token header");
      assert.equal(body.id, "tandem-e2e-js-token");
      for (const path of ["/v1.0/healthz", "/v1.0/healthz/outbound"]) {
        const res = await fetch(`${sidecar.httpUrl}${path}`);
        await res.arrayBuffer();
        assert.equal(res.status, 204, `${path} without a token`);
      }
    });

    test("gRPC: UNAUTHENTICATED without a token and with a wrong token, OK with the right one", async () => {
      const port = sidecar.ports.grpc;
      assert.equal((await rawGrpcCall(port, "GetMetadata")).status, GrpcCode.UNAUTHENTICATED, "no token");
      assert.equal(
        (await rawGrpcCall(port, "GetMetadata", { "dapr-api-token": WRONG_TOKEN })).status,
        GrpcCode.UNAUTHENTICATED,
        "wrong token",
      );
      assert.equal((await rawGrpcCall(port, "GetMetadata", { "dapr-api-token": TOKEN })).status, GrpcCode.OK, "right token");
    });
  });
});
