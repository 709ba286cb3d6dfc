import test from "ava";
import { createServer, request } from "node:http";
import { closeServer, listen, urlOf } from "../../../lib/shared/http.js";

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
