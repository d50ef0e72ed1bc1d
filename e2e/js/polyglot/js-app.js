// js-app: a JavaScript HTTP app written against the official @dapr/dapr SDK, run behind a Tandem
// sidecar by the polyglot end-to-end scenario (e2e/src/test/java/io/tandem/e2e/polyglot).
//
// Server side (DaprServer, the sidecar calls it over HTTP): a "greet" method for service invocation
// and pub/sub subscriptions (CEL routing rules with a default route, RETRY, DROP, bulk). Every request the sidecar
// makes is reported to the test's recorder (method, path, status, body) by an express middleware.
//
// Client side (DaprClient): the test asks this app, through a plain HTTP control port, to invoke a
// method of another app through its own sidecar (HTTP or gRPC API) or to publish an event.
//
// Environment:
//   APP_PORT        the port the sidecar calls (its --app-port)
//   CONTROL_PORT    where the test sends its requests (JSON in, JSON out)
//   RECORDER_URL    where reports go
//   DAPR_HTTP_PORT / DAPR_GRPC_PORT            this app's sidecar
//   PEER_DAPR_HTTP_PORT / PEER_DAPR_GRPC_PORT  the sidecar whose in-memory pub/sub the Python
//                                               subscriber uses (publishers must share a broker)
//
// Control port:
//   GET  /ready
//   POST /run/invoke   {"appId","method","protocol":"http"|"grpc","data"}
//   POST /run/publish  {"sidecar":"own"|"peer","protocol","topic","data","contentType","metadata"}

import http from "node:http";
import {
  CommunicationProtocolEnum,
  DaprClient,
  DaprPubSubStatusEnum,
  DaprServer,
  HttpMethod,
  LogLevel,
} from "@dapr/dapr";

const env = process.env;
const APP_ID = "js-app";
const PUBSUB = "pubsub";
const HOST = "127.0.0.1";

function required(name) {
  const v = env[name];
  if (!v) throw new Error(`environment variable ${name} is required`);
  return v;
}

const APP_PORT = required("APP_PORT");
const CONTROL_PORT = Number(required("CONTROL_PORT"));
const RECORDER_URL = required("RECORDER_URL");
const OWN = { http: required("DAPR_HTTP_PORT"), grpc: required("DAPR_GRPC_PORT") };
const PEER = { http: required("PEER_DAPR_HTTP_PORT"), grpc: required("PEER_DAPR_GRPC_PORT") };

const logger = { level: LogLevel.Info };

/** Sends one report to the recorder and waits for it, so reports keep the order of events. */
async function record(kind, fields) {
  try {
    const res = await fetch(RECORDER_URL, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ app: APP_ID, kind, ...fields }),
      signal: AbortSignal.timeout(5_000),
    });
    await res.arrayBuffer();
  } catch (err) {
    console.error(`js-app: could not report ${kind} to the recorder: ${err}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Server side

const server = new DaprServer({
  serverHost: HOST,
  serverPort: APP_PORT,
  communicationProtocol: CommunicationProtocolEnum.HTTP,
  clientOptions: {
    daprHost: HOST,
    daprPort: OWN.http,
    communicationProtocol: CommunicationProtocolEnum.HTTP,
    logger,
  },
  logger,
});

// Reports every request the sidecar makes, with the status this app answered. Registered before
// any route, after DaprServer's body parsers, so req.body is the parsed body.
server.daprServer.getServer().use((req, res, next) => {
  res.on("finish", () => {
    record("http", {
      method: req.method,
      path: req.path,
      status: res.statusCode,
      contentType: req.headers["content-type"] ?? null,
      body: req.body ?? null,
    });
  });
  next();
});

await server.invoker.listen(
  "greet",
  async ({ body, metadata }) => {
    const received = body ? JSON.parse(body) : null;
    return { from: APP_ID, greeting: `hello ${received?.name ?? "nobody"}`, received, contentType: metadata.contentType };
  },
  { method: HttpMethod.POST },
);

// Probed by the test until it arrives: then the sidecar has subscribed this app's topics.
await server.pubsub.subscribe(PUBSUB, "js-warmup", async () => DaprPubSubStatusEnum.SUCCESS);

// CEL routing with a default route (the HTTP paths are DaprServer's own: /pubsub--inventory--<route>).
await server.pubsub.subscribeWithOptions(PUBSUB, "inventory", {
  route: {
    rules: [{ match: 'event.data.kind == "widget"', path: "widgets" }],
    default: "products",
  },
  callback: async () => DaprPubSubStatusEnum.SUCCESS,
});

// RETRY over HTTP: the first delivery of each event is answered {"status":"RETRY"}.
const retried = new Set();
await server.pubsub.subscribe(PUBSUB, "js-retry", async (data) => {
  const id = data?.id;
  if (!retried.has(id)) {
    retried.add(id);
    return DaprPubSubStatusEnum.RETRY;
  }
  return DaprPubSubStatusEnum.SUCCESS;
});

// DROP over HTTP: {"status":"DROP"}, never redelivered.
await server.pubsub.subscribe(PUBSUB, "js-drop", async () => DaprPubSubStatusEnum.DROP);

// Bulk subscribe: the sidecar delivers batches ({"entries": [...]}) and reads per-entry statuses.
await server.pubsub.subscribeBulk(PUBSUB, "js-bulk", async () => DaprPubSubStatusEnum.SUCCESS, {
  maxMessagesCount: 10,
  maxAwaitDurationMs: 200,
});

// ---------------------------------------------------------------------------------------------
// Client side

const clients = new Map();
function client(which, protocol) {
  const key = `${which}/${protocol}`;
  if (!clients.has(key)) {
    const ports = which === "peer" ? PEER : OWN;
    clients.set(
      key,
      new DaprClient({
        daprHost: HOST,
        daprPort: protocol === "grpc" ? ports.grpc : ports.http,
        communicationProtocol: protocol === "grpc" ? CommunicationProtocolEnum.GRPC : CommunicationProtocolEnum.HTTP,
        logger,
      }),
    );
  }
  return clients.get(key);
}

const actions = {
  "/run/invoke": async (req) => {
    const c = client("own", req.protocol ?? "http");
    return c.invoker.invoke(req.appId, req.method, HttpMethod.POST, req.data);
  },
  "/run/publish": async (req) => {
    const c = client(req.sidecar ?? "own", req.protocol ?? "http");
    const options = {};
    if (req.contentType) options.contentType = req.contentType;
    if (req.metadata) options.metadata = req.metadata;
    const res = await c.pubsub.publish(PUBSUB, req.topic, req.data, options);
    if (res?.error) throw res.error;
    return res ?? {};
  },
};

const control = http.createServer(async (req, res) => {
  const answer = (status, obj) => {
    const body = JSON.stringify(obj);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  };
  if (req.method === "GET" && req.url === "/ready") return answer(200, { ready: true });
  const action = req.method === "POST" ? actions[req.url] : undefined;
  if (!action) return answer(404, { error: "no such action" });
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : {};
  try {
    answer(200, { ok: true, result: (await action(body)) ?? null });
  } catch (err) {
    console.error(`js-app: ${req.url} failed: ${err?.stack ?? err}`);
    answer(200, { ok: false, error: String(err?.message ?? err), code: err?.code ?? null });
  }
});

// The control port answers /ready only once DaprServer is listening and its client has seen the sidecar.
await server.start();
control.listen(CONTROL_PORT, HOST, () => console.log(`js-app: app on ${APP_PORT}, control on ${CONTROL_PORT}`));

// End with the test that started us, even if it could not stop us (we are then re-parented).
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid) process.exit(0);
}, 1000).unref();

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => process.exit(0));
}
