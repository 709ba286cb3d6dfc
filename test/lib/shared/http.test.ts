import test from "ava";
import { createServer, request, type Server } from "node:http";
import { ConfigError } from "../../../lib/shared/env.js";
import { closeServer, listen, listenOrExplain, urlOf } from "../../../lib/shared/http.js";

const METRICS = { portVariable: "METRICS_PORT", hostVariable: "METRICS_HOST" };

/** A server whose bind fails with this error code, as node reports it, without touching the network. */
function failingServer(code: string): Server {
  const server = createServer();
  server.listen = ((..._args: unknown[]) => {
    process.nextTick(() => server.emit("error", Object.assign(new Error(`listen ${code}`), { code })));
    return server;
  }) as Server["listen"];
  return server;
}

test("listen binds a free port and reports it; a taken port rejects", async (t) => {
  const server = createServer((_req, res) => res.end("ok"));
  const address = await listen(server, 0, "127.0.0.1");
  t.teardown(() => closeServer(server));
  t.true(address.port > 0);
  t.is(urlOf(address), `http://127.0.0.1:${address.port}`);
  t.is(await (await fetch(urlOf(address))).text(), "ok");
  const second = createServer();
  await t.throwsAsync(listen(second, address.port, "127.0.0.1"), { code: "EADDRINUSE" });
});

test("urlOf maps a wildcard bind to the loopback of the same family and keeps real addresses", (t) => {
  t.is(urlOf({ address: "0.0.0.0", family: "IPv4", port: 9101 }), "http://127.0.0.1:9101");
  t.is(urlOf({ address: "::", family: "IPv6", port: 9101 }), "http://[::1]:9101");
  t.is(urlOf({ address: "10.0.0.5", family: "IPv4", port: 80 }), "http://10.0.0.5:80");
  t.is(urlOf({ address: "::1", family: "IPv6", port: 8080 }), "http://[::1]:8080");
  t.is(urlOf({ address: "fe80::1", family: "IPv6", port: 8080 }), "http://[fe80::1]:8080");
});

test("a server bound to the wildcard address answers on the URL urlOf gives", async (t) => {
  const server = createServer((_req, res) => res.end("wildcard"));
  const address = await listen(server, 0, "0.0.0.0");
  t.teardown(() => closeServer(server));
  t.is(urlOf(address), `http://127.0.0.1:${address.port}`);
  t.is(await (await fetch(urlOf(address))).text(), "wildcard");
});

test("closeServer does not wait for a request that is never answered", async (t) => {
  let arrived!: () => void;
  const held = new Promise<void>((resolve) => (arrived = resolve));
  // A handler that never answers, like the emulator holding a request back for injected latency.
  const server = createServer(() => arrived());
  const { port } = await listen(server, 0, "127.0.0.1");
  const clientError = new Promise<Error>((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: "/" });
    req.on("error", resolve);
    req.end();
  });
  await held;
  const started = Date.now();
  await closeServer(server);
  t.false(server.listening);
  t.true(Date.now() - started < 1_000, `closed in ${Date.now() - started} ms`);
  t.regex((await clientError).message, /socket hang up|ECONNRESET/);
  await t.notThrowsAsync(closeServer(server), "closing twice is harmless");
});

test("listenOrExplain: a taken port is a ConfigError naming the port's variable, and 0 as the way out", async (t) => {
  const taken = createServer();
  const { port } = await listen(taken, 0, "127.0.0.1");
  t.teardown(() => closeServer(taken));
  const second = createServer();
  const error = await t.throwsAsync(listenOrExplain(second, port, "127.0.0.1", METRICS), { instanceOf: ConfigError });
  t.deepEqual(error.problems, [`METRICS_PORT ${port} is already in use on 127.0.0.1: choose another port (0 picks a free one)`]);
  t.false(second.listening);
  const free = await listenOrExplain(second, 0, "127.0.0.1", METRICS);
  t.teardown(() => closeServer(second));
  t.true(free.port > 0 && free.port !== port, "a free port binds as listen does");
});

test("listenOrExplain: an address this machine does not have is a ConfigError naming the host's variable", async (t) => {
  // 192.0.2.1 is TEST-NET-1: never assigned to a host; binding is refused locally, nothing is sent.
  const error = await t.throwsAsync(listenOrExplain(createServer(), 0, "192.0.2.1", METRICS), { instanceOf: ConfigError });
  t.deepEqual(error.problems, [
    'METRICS_HOST "192.0.2.1" cannot be listened on (EADDRNOTAVAIL): use an address of this machine, e.g. 127.0.0.1 or 0.0.0.0',
  ]);
});

test("listenOrExplain: name-resolution failures name the host's variable, EACCES the port's, anything else is rethrown", async (t) => {
  for (const code of ["ENOTFOUND", "EAI_NONAME", "EAI_FAIL", "EADDRNOTAVAIL"]) {
    const error = await t.throwsAsync(listenOrExplain(failingServer(code), 9101, "metrics.invalid", METRICS), { instanceOf: ConfigError });
    t.deepEqual(
      error.problems,
      [`METRICS_HOST "metrics.invalid" cannot be listened on (${code}): use an address of this machine, e.g. 127.0.0.1 or 0.0.0.0`],
      code,
    );
  }
  const low = await t.throwsAsync(listenOrExplain(failingServer("EACCES"), 80, "0.0.0.0", METRICS), { instanceOf: ConfigError });
  t.deepEqual(low.problems, [
    "METRICS_PORT 80 cannot be listened on at 0.0.0.0 (EACCES, permission denied): ports below 1024 need root or " +
      "CAP_NET_BIND_SERVICE; choose another port (0 picks a free one)",
  ]);
  const high = await t.throwsAsync(listenOrExplain(failingServer("EACCES"), 1024, "0.0.0.0", METRICS), { instanceOf: ConfigError });
  t.deepEqual(high.problems, [
    "METRICS_PORT 1024 cannot be listened on at 0.0.0.0 (EACCES, permission denied); choose another port (0 picks a free one)",
  ]);
  // Not something a setting fixes: the error goes on as it is (a crash, exit 1), not as a ConfigError.
  const other = await t.throwsAsync(listenOrExplain(failingServer("EMFILE"), 9101, "127.0.0.1", METRICS));
  t.false(other instanceof ConfigError);
  t.is((other as NodeJS.ErrnoException).code, "EMFILE");
});
