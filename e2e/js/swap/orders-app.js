// orders-app: one unchanged app, written against the official @dapr/dapr SDK, that the backend-swap
// scenario (e2e/src/test/java/io/tandem/e2e/swap/BackendSwapIT.java) runs behind sidecars whose
// resources directory differs: pub/sub on Redis, Kafka, RabbitMQ or in memory; state on Redis,
// PostgreSQL or SQLite. The app only knows the component names "pubsub" and "statestore".
//
// Server side (DaprServer over HTTP): subscribes to topic "orders" of "pubsub" and saves each order
// in "statestore" under "order-<orderId>". A failed save answers RETRY, so nothing is lost.
// Client side (DaprClient over gRPC), through a plain HTTP control port:
//   GET  /ready
//   POST /run/publish {"runId","count"}  publishes orders <runId>-0 .. <runId>-<count-1>
//   POST /run/get     {"key"}            reads a key of "statestore"
//
// Environment: APP_PORT, CONTROL_PORT, DAPR_HTTP_PORT, DAPR_GRPC_PORT.

import http from "node:http";
import { CommunicationProtocolEnum, DaprClient, DaprPubSubStatusEnum, DaprServer, LogLevel } from "@dapr/dapr";

const HOST = "127.0.0.1";
const PUBSUB = "pubsub";
const STORE = "statestore";
const env = process.env;
for (const name of ["APP_PORT", "CONTROL_PORT", "DAPR_HTTP_PORT", "DAPR_GRPC_PORT"]) {
  if (!env[name]) throw new Error(`environment variable ${name} is required`);
}
const logger = { level: LogLevel.Warning };

const client = new DaprClient({
  daprHost: HOST,
  daprPort: env.DAPR_GRPC_PORT,
  communicationProtocol: CommunicationProtocolEnum.GRPC,
  logger,
});

const server = new DaprServer({
  serverHost: HOST,
  serverPort: env.APP_PORT,
  communicationProtocol: CommunicationProtocolEnum.HTTP,
  clientOptions: {
    daprHost: HOST,
    daprPort: env.DAPR_HTTP_PORT,
    communicationProtocol: CommunicationProtocolEnum.HTTP,
    logger,
  },
  logger,
});

await server.pubsub.subscribe(PUBSUB, "orders", async (order) => {
  try {
    await client.state.save(STORE, [{ key: `order-${order.orderId}`, value: order }]);
    return DaprPubSubStatusEnum.SUCCESS;
  } catch (err) {
    console.error(`orders-app: saving ${order?.orderId} failed: ${err}`);
    return DaprPubSubStatusEnum.RETRY;
  }
});

const actions = {
  "/run/publish": async ({ runId, count }) => {
    for (let i = 0; i < count; i++) {
      const res = await client.pubsub.publish(PUBSUB, "orders", { orderId: `${runId}-${i}`, item: "widget", quantity: i + 1 });
      if (res?.error) throw res.error;
    }
    return { published: count };
  },
  "/run/get": async ({ key }) => client.state.get(STORE, key),
};

const control = http.createServer(async (req, res) => {
  const answer = (status, obj) => {
    const body = JSON.stringify(obj ?? null);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  };
  if (req.method === "GET" && req.url === "/ready") return answer(200, { ready: true });
  const action = req.method === "POST" ? actions[req.url] : undefined;
  if (!action) return answer(404, { error: "no such action" });
  const chunks = [];
  for await (const c of req) chunks.push(c);
  try {
    answer(200, { ok: true, result: (await action(JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}"))) ?? null });
  } catch (err) {
    console.error(`orders-app: ${req.url} failed: ${err?.stack ?? err}`);
    answer(500, { ok: false, error: String(err?.message ?? err) });
  }
});

await server.start();
await client.start();
control.listen(Number(env.CONTROL_PORT), HOST, () => console.log(`orders-app: app on ${env.APP_PORT}, control on ${env.CONTROL_PORT}`));
