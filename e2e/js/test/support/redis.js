// A few Redis commands over a plain socket, as an operator's redis-cli would send them: the tests
// write configuration items behind the sidecar's back. The address comes from the test servers
// (TANDEM_TEST_REDIS_ADDR, set by scripts/with-test-servers.sh); without it the test fails.

import net from "node:net";

/** host:port of the shared test Redis; throws, naming the variable, when it is not set. */
export function redisAddress() {
  const addr = process.env.TANDEM_TEST_REDIS_ADDR;
  if (!addr) {
    throw new Error(
      "Redis test server not available: TANDEM_TEST_REDIS_ADDR is not set. Run the tests through " +
        "`make test`, or start the servers with `make test-servers` and source .tandem/test-servers/env",
    );
  }
  return addr;
}

function encode(args) {
  let out = `*${args.length}\r\n`;
  for (const a of args) {
    const b = Buffer.from(String(a), "utf8");
    out += `$${b.length}\r\n${b.toString("utf8")}\r\n`;
  }
  return out;
}

/**
 * Sends one command on a fresh connection. Resolves to the reply as text: a status or an integer,
 * a bulk string's content, or null for a nil reply.
 */
export function redis(...args) {
  const [host, port] = redisAddress().split(":");
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ host, port: Number(port) }, () => socket.write(encode(args)));
    let data = "";
    socket.setTimeout(5_000, () => socket.destroy(new Error(`redis ${args[0]} timed out`)));
    socket.on("data", (chunk) => {
      data += chunk.toString("utf8");
      const eol = data.indexOf("\r\n");
      if (eol < 0) return;
      const head = data.slice(0, eol);
      if (head.startsWith("$")) {
        const n = Number(head.slice(1));
        if (n < 0) {
          socket.end();
          resolve(null);
          return;
        }
        const body = Buffer.from(data.slice(eol + 2), "utf8");
        if (body.length < n) return; // wait for the rest
        socket.end();
        resolve(body.subarray(0, n).toString("utf8"));
        return;
      }
      socket.end();
      if (head.startsWith("-")) reject(new Error(`redis error: ${head}`));
      else resolve(head.slice(1));
    });
    socket.on("error", reject);
  });
}
