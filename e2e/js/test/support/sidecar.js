// Starts a Tandem sidecar as a real process for the tests in this directory.
//
// Each test file calls startSidecar() in a before() hook and sidecar.stop() in an after() hook.
// The sidecar's stdout and stderr go to a log file in its temp directory; the log is printed
// when a test fails (see testWithReport in sdk.js) or when the sidecar does not come up.

import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
// e2e/js/test/support -> repository root
export const repoRoot = path.resolve(here, "..", "..", "..", "..");
export const sidecarJar = path.join(repoRoot, "sidecar", "target", "tandem-sidecar.jar");

const STARTUP_TIMEOUT_MS = 30_000;

// On Ctrl-C or a termination request, exit through process.exit so that the 'exit' listeners
// registered below kill every sidecar this process started.
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => process.exit(signal === "SIGINT" ? 130 : 143));
}

/** Values the tests assert against; written into the secrets file and the sidecar's environment. */
export const SECRETS = {
  file: {
    "db-password": "s3cr3t-from-file",
    "api-key": "k-123",
    connection: {
      host: "db.internal",
      user: "tandem",
    },
  },
  envName: "TANDEM_E2E_ENV_SECRET",
  envValue: "from-the-environment-42",
};

/** Binds port 0 on loopback, reads the port the OS chose, and closes the socket. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function componentsYaml(dir) {
  // The sqlite file lives in the temp dir, so every run starts from an empty database.
  const sqliteFile = path.join(dir, "state.db");
  const secretsFile = path.join(dir, "secrets.json");
  return `apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: statestore
spec:
  type: state.in-memory
  version: v1
  metadata: []
---
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: sqlitestore
spec:
  type: state.sqlite
  version: v1
  metadata:
    - name: connectionString
      value: "${sqliteFile}"
---
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: localsecretstore
spec:
  type: secretstores.local.file
  version: v1
  metadata:
    - name: secretsFile
      value: "${secretsFile}"
    - name: nestedSeparator
      value: ":"
---
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: envsecretstore
spec:
  type: secretstores.local.env
  version: v1
  metadata: []
`;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Starts a sidecar and waits until GET /v1.0/healthz answers 204.
 *
 * @param {object} opts
 * @param {string} opts.appId
 * @param {Record<string,string>} [opts.env] extra environment variables (e.g. DAPR_API_TOKEN)
 * @param {string} [opts.extraComponents] more Component YAML documents, appended to the standard set
 */
export async function startSidecar({ appId, env = {}, extraComponents = "" }) {
  if (!existsSync(sidecarJar)) {
    throw new Error(
      `Tandem sidecar jar not found at ${sidecarJar}.\n` +
        `Build it first: cd ${repoRoot} && ./mvnw -B -q -pl crds,components,sidecar -am install -DskipTests`,
    );
  }

  const dir = mkdtempSync(path.join(os.tmpdir(), `tandem-e2e-js-${appId}-`));
  const resourcesDir = path.join(dir, "resources");
  mkdirSync(resourcesDir);
  writeFileSync(path.join(dir, "secrets.json"), JSON.stringify(SECRETS.file, null, 2));
  writeFileSync(
    path.join(resourcesDir, "components.yaml"),
    componentsYaml(dir) + (extraComponents ? `---\n${extraComponents}` : ""),
  );

  const ports = {
    http: await freePort(),
    grpc: await freePort(),
    metrics: await freePort(),
    internalGrpc: await freePort(),
  };
  const logFile = path.join(dir, "sidecar.log");
  const logFd = openSync(logFile, "a");

  const args = [
    "-jar",
    sidecarJar,
    "--app-id",
    appId,
    "--dapr-http-port",
    String(ports.http),
    "--dapr-grpc-port",
    String(ports.grpc),
    "--dapr-internal-grpc-port",
    String(ports.internalGrpc),
    "--metrics-port",
    String(ports.metrics),
    "--resources-path",
    resourcesDir,
  ];
  const child = spawn("java", args, {
    cwd: dir,
    env: { ...process.env, [SECRETS.envName]: SECRETS.envValue, ...env },
    stdio: ["ignore", logFd, logFd],
  });
  closeSync(logFd);

  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.on("exit", (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
    child.on("error", (err) => {
      exited = { error: err };
      resolve(exited);
    });
  });
  // Safety net: never leave a sidecar behind, even if the test process dies without running after().
  const killOnExit = () => {
    if (exited === null) child.kill("SIGKILL");
  };
  process.on("exit", killOnExit);

  const readLog = () => (existsSync(logFile) ? readFileSync(logFile, "utf8") : "(no log file)");

  const sidecar = {
    appId,
    dir,
    ports,
    logFile,
    pid: child.pid,
    httpUrl: `http://127.0.0.1:${ports.http}`,
    readLog,
    failed: false,
    /** Prints the sidecar's captured output with a header. */
    printLog(reason) {
      process.stderr.write(
        `\n===== Tandem sidecar '${appId}' output (${reason}); log file ${logFile} =====\n` +
          readLog() +
          `\n===== end of sidecar '${appId}' output =====\n`,
      );
    },
    /** Kills the sidecar (SIGTERM, then SIGKILL after 5 s); removes the temp dir unless a test failed. */
    async stop() {
      if (exited === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => {
          if (exited === null) child.kill("SIGKILL");
        }, 5_000);
        await exitPromise;
        clearTimeout(timer);
      }
      process.removeListener("exit", killOnExit);
      if (sidecar.failed) {
        process.stderr.write(`Kept the sidecar's temp dir for inspection: ${dir}\n`);
      } else {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };

  // Wait for healthz 204, the process to exit, or the timeout, whichever comes first.
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let lastProblem = "no answer yet";
  for (;;) {
    if (exited !== null) {
      sidecar.failed = true;
      const why = exited.error ? `could not be started: ${exited.error.message}` : `exited with code ${exited.code} (signal ${exited.signal})`;
      const log = readLog();
      await sidecar.stop();
      throw new Error(`Tandem sidecar '${appId}' ${why} before becoming healthy.\n--- sidecar output ---\n${log}`);
    }
    if (Date.now() > deadline) {
      sidecar.failed = true;
      const log = readLog();
      await sidecar.stop();
      throw new Error(
        `Tandem sidecar '${appId}' did not answer 204 on /v1.0/healthz within ${STARTUP_TIMEOUT_MS / 1000} s ` +
          `(last: ${lastProblem}).\n--- sidecar output ---\n${log}`,
      );
    }
    try {
      const res = await fetch(`${sidecar.httpUrl}/v1.0/healthz`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 204) return sidecar;
      lastProblem = `HTTP ${res.status}`;
    } catch (err) {
      lastProblem = err.cause?.code ?? err.message;
    }
    await sleep(200);
  }
}
