// Helpers around the official SDK: building clients, and reading the errors it reports.

import assert from "node:assert/strict";
import http2 from "node:http2";
import { CommunicationProtocolEnum, DaprClient, LogLevel } from "@dapr/dapr";

export const PROTOCOLS = [
  { name: "HTTP", protocol: CommunicationProtocolEnum.HTTP, port: (sidecar) => sidecar.ports.http },
  { name: "GRPC", protocol: CommunicationProtocolEnum.GRPC, port: (sidecar) => sidecar.ports.grpc },
];

/**
 * A LoggerService that keeps the SDK's log lines in memory instead of printing them, so a passing
 * run stays quiet; sdkLog() returns them for a failure report.
 */
const sdkLines = [];
const memoryLogger = Object.fromEntries(
  ["error", "warn", "info", "verbose", "debug"].map((level) => [
    level,
    (message, ...rest) => sdkLines.push(`[${level}] ${message} ${rest.map((r) => String(r)).join(" ")}`.trimEnd()),
  ]),
);
export function sdkLog() {
  return sdkLines.join("\n");
}

/** A DaprClient for the given sidecar and protocol entry of PROTOCOLS. */
export function newClient(sidecar, proto, extra = {}) {
  return new DaprClient({
    daprHost: "127.0.0.1",
    daprPort: String(proto.port(sidecar)),
    communicationProtocol: proto.protocol,
    logger: { level: LogLevel.Debug, service: memoryLogger },
    ...extra,
  });
}

/**
 * Runs an SDK call and returns the error it reported, or null.
 * The SDK reports failures in two ways: most calls throw, but state.save and state.delete over
 * HTTP resolve to `{ error }` instead (their documented StateSaveResponseType/StateDeleteResponseType).
 */
export async function errorOf(call) {
  let result;
  try {
    result = await call();
  } catch (err) {
    return err;
  }
  if (result && typeof result === "object" && result.error) return result.error;
  return null;
}

/**
 * What the sidecar answered, as seen through an SDK error.
 * HTTP: the SDK throws Error(JSON.stringify({ error, error_msg, status })), error_msg being the body.
 * gRPC: the SDK lets connect's ConnectError through; `code` is the gRPC status code.
 */
export function describeSdkError(err) {
  assert.ok(err instanceof Error, `expected an Error, got ${String(err)}`);
  if (typeof err.code === "number") {
    return { grpcCode: err.code, message: err.rawMessage ?? err.message };
  }
  let parsed;
  try {
    parsed = JSON.parse(err.message);
  } catch {
    return { message: err.message };
  }
  let body = parsed.error_msg;
  try {
    body = JSON.parse(parsed.error_msg);
  } catch {
    /* not JSON */
  }
  return { httpStatus: parsed.status, body, message: err.message };
}

/**
 * Asserts that an SDK error carries the status Dapr documents for this failure:
 * `http` status and `errorCode` over HTTP, `grpc` status code over gRPC.
 */
export function assertSidecarError(protoName, err, { http, errorCode, grpc }) {
  assert.ok(err, "expected the SDK to report an error, but the call succeeded");
  const seen = describeSdkError(err);
  if (protoName === "HTTP") {
    assert.equal(seen.httpStatus, http, `HTTP status; SDK error: ${err.message}`);
    if (errorCode) {
      assert.equal(seen.body?.errorCode, errorCode, `errorCode in body; SDK error: ${err.message}`);
    }
  } else {
    assert.equal(seen.grpcCode, grpc, `gRPC status code; SDK error: ${err.message}`);
  }
}

/** gRPC status codes used by the tests (google.rpc.Code). */
export const GrpcCode = { OK: 0, INVALID_ARGUMENT: 3, ABORTED: 10, UNAUTHENTICATED: 16 };

/**
 * A raw unary gRPC call over HTTP/2 (no SDK), sending an empty request message.
 * Resolves to { status, message } read from grpc-status / grpc-message.
 */
export function rawGrpcCall(port, method, headers = {}) {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on("error", reject);
    const req = session.request({
      ":method": "POST",
      ":path": `/dapr.proto.runtime.v1.Dapr/${method}`,
      "content-type": "application/grpc",
      te: "trailers",
      ...headers,
    });
    let status;
    let message = "";
    const take = (h) => {
      if (h["grpc-status"] !== undefined) {
        status = Number(h["grpc-status"]);
        message = decodeURIComponent(h["grpc-message"] ?? "");
      }
    };
    req.setTimeout(5_000, () => req.close(http2.constants.NGHTTP2_CANCEL));
    req.on("response", take);
    req.on("trailers", take);
    req.on("data", () => {});
    req.on("end", () => {
      session.close();
      if (status === undefined) reject(new Error(`no grpc-status in the answer to ${method}`));
      else resolve({ status, message });
    });
    req.on("error", (err) => {
      session.close();
      reject(err);
    });
    // One length-prefixed message of zero bytes: an empty GetMetadataRequest.
    req.end(Buffer.from([0, 0, 0, 0, 0]));
  });
}

/**
 * Defines a test whose failure prints the sidecar's captured output and the SDK's log lines.
 * `getSidecar` is called at failure time, since the sidecar is started in a before() hook.
 */
export function testWithReport(it, getSidecar) {
  return (name, fn, options = {}) =>
    it(name, options, async (t) => {
      try {
        await fn(t);
      } catch (err) {
        const sidecar = getSidecar();
        if (sidecar) {
          sidecar.failed = true;
          sidecar.printLog(`test failed: ${name}`);
        }
        process.stderr.write(`\n===== @dapr/dapr SDK log (whole file so far) =====\n${sdkLog()}\n===== end of SDK log =====\n`);
        throw err;
      }
    });
}
