import test from "ava";
import { createServer, request } from "node:http";
import { closeServer, listen, urlOf } from "../../../services/shared/http.js";

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
