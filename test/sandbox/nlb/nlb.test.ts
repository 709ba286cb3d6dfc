/**
 * The emulated NLB over real sockets. Backends are small servers on 127.0.0.1:0 that say who they are; their
 * health answer can be switched to 500 or to no answer. Health rounds run by hand (`checkNow`) with a long
 * interval, so each test decides when checks happen; one test runs the timer with a short real interval.
 */
import test, { type ExecutionContext } from "ava";
import { createServer, request, type ServerResponse } from "node:http";
import { closeServer, listen, urlOf } from "../../../lib/shared/http.js";
import { startMember } from "../../../sandbox/members/member.js";
import { parseTarget, startNlb, type Nlb, type NlbOptions } from "../../../sandbox/nlb/nlb.js";
import { ManualClock } from "../../helpers/emulator.js";
import { waitFor } from "../../helpers/wait.js";
import { manualTimers, stopAtEnd, tracked } from "../members/helpers.js";

type Health = "ok" | "fail" | "hang";

interface Backend {
  name: string;
  target: string;
  health: Health;
  hits: number;
  healthChecks: number;
}

async function backend(t: ExecutionContext, name: string): Promise<Backend> {
  const held: ServerResponse[] = [];
  const state: Backend = { name, target: "", health: "ok", hits: 0, healthChecks: 0 };
  const server = createServer((req, res) => {
    if (req.url === "/health") {
      state.healthChecks += 1;
      if (state.health === "hang") {
        held.push(res);
        return;
      }
      res.writeHead(state.health === "ok" ? 200 : 500).end(state.health === "ok" ? "OK" : "sick");
      return;
    }
    state.hits += 1;
    if (req.url === "/crash") {
      req.socket.destroy();
      return;
    }
    if (req.url === "/half") {
      res.writeHead(200, { "Content-Length": "100" });
      res.write("part");
      setImmediate(() => req.socket.destroy());
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () =>
      res.writeHead(200, { "X-Backend": name }).end(`${name} ${req.method} ${req.url} ${Buffer.concat(chunks).toString()}`),
    );
  });
  const address = await listen(server, 0, "127.0.0.1");
  t.teardown(() => closeServer(server));
  state.target = `127.0.0.1:${address.port}`;
  return state;
}

async function nlbFor(t: ExecutionContext, targets: () => readonly string[], options: Partial<NlbOptions> = {}): Promise<Nlb> {
  return stopAtEnd(t, await startNlb({ port: 0, targets, intervalMs: 60_000, timeoutMs: 1_000, retries: 1, ...options }));
}

async function who(nlb: Nlb, path = "/"): Promise<string> {
  const response = await fetch(`${nlb.url}${path}`);
  return response.headers.get("x-backend") ?? `${response.status} ${await response.text()}`;
}

async function whoMany(nlb: Nlb, count: number): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < count; i += 1) names.push(await who(nlb));
  return names;
}

test("requests go round-robin over the healthy targets, streamed both ways", async (t) => {
  const backends = [await backend(t, "a"), await backend(t, "b"), await backend(t, "c")];
  const nlb = await nlbFor(t, () => backends.map((b) => b.target));
  t.deepEqual(
    nlb.healthy(),
    backends.map((b) => b.target),
  );
  const names = await whoMany(nlb, 6);
  t.deepEqual(names.slice(0, 3).sort(), ["a", "b", "c"]);
  t.deepEqual(names.slice(3), names.slice(0, 3), "the same order again");
  t.deepEqual(
    backends.map((b) => b.hits),
    [2, 2, 2],
  );
  const posted = await fetch(`${nlb.url}/echo?x=1`, { method: "POST", body: "hello" });
  t.regex(await posted.text(), /^[abc] POST \/echo\?x=1 hello$/);
});

test("a target failing `retries` health checks in a row gets no traffic; one success brings it back", async (t) => {
  const [a, b] = [await backend(t, "a"), await backend(t, "b")];
  const nlb = await nlbFor(t, () => [a.target, b.target], { retries: 2 });
  b.health = "fail";
  await nlb.checkNow();
  t.deepEqual(nlb.healthy(), [a.target, b.target], "one failure is not enough with retries 2");
  t.true((await whoMany(nlb, 4)).includes("b"));

  await nlb.checkNow();
  t.deepEqual(nlb.healthy(), [a.target]);
  t.deepEqual(await whoMany(nlb, 4), ["a", "a", "a", "a"]);

  b.health = "ok";
  await nlb.checkNow();
  t.deepEqual(nlb.healthy(), [a.target, b.target]);
  t.deepEqual((await whoMany(nlb, 4)).sort(), ["a", "a", "b", "b"]);

  // The success reset the count: it takes `retries` failures again.
  b.health = "fail";
  await nlb.checkNow();
  t.deepEqual(nlb.healthy(), [a.target, b.target]);
  await nlb.checkNow();
  t.deepEqual(nlb.healthy(), [a.target]);
});

test("a target that stops answering health checks times out and goes out (retries 1)", async (t) => {
  const [a, b] = [await backend(t, "a"), await backend(t, "b")];
  const nlb = await nlbFor(t, () => [a.target, b.target]);
  b.health = "hang";
  const started = Date.now();
  await nlb.checkNow();
  t.true(Date.now() - started < 5_000, "a check is bounded by its timeout");
  t.deepEqual(nlb.healthy(), [a.target]);
  t.deepEqual(await whoMany(nlb, 3), ["a", "a", "a"]);
});

test("no healthy target: 503 with a body that says why", async (t) => {
  const a = await backend(t, "a");
  a.health = "fail";
  const nlb = await nlbFor(t, () => [a.target]);
  const response = await fetch(`${nlb.url}/load`);
  t.is(response.status, 503);
  t.is(await response.text(), "service unavailable: none of 1 target(s) passes the health check (GET /health, 200 within 1000 ms)\n");
  t.is(a.hits, 0);

  const empty = await nlbFor(t, () => []);
  const none = await fetch(`${empty.url}/`);
  t.is(none.status, 503);
  t.is(await none.text(), "service unavailable: the load balancer has no targets\n");
});

test("a new target is checked before it gets traffic", async (t) => {
  const [a, b] = [await backend(t, "a"), await backend(t, "b")];
  const targets = [a.target];
  const nlb = await nlbFor(t, () => targets);
  b.health = "hang";
  targets.push(b.target);
  t.deepEqual(await whoMany(nlb, 4), ["a", "a", "a", "a"], "b answers requests, but has not passed a check yet");
  b.health = "ok";
  // The first check hangs until its timeout (a failure); the one after it succeeds.
  await nlb.checkNow();
  await nlb.checkNow();
  t.deepEqual((await whoMany(nlb, 4)).sort(), ["a", "a", "b", "b"]);

  // A removed target gets nothing more.
  targets.splice(0, 1);
  t.deepEqual(await whoMany(nlb, 2), ["b", "b"]);
  t.deepEqual(nlb.healthy(), [b.target]);
});

test("when the only target is new, a request waits for its first check instead of failing", async (t) => {
  const a = await backend(t, "a");
  const targets: string[] = [];
  const nlb = await nlbFor(t, () => targets);
  targets.push(a.target);
  t.is(await who(nlb), "a");
  t.is(a.healthChecks, 1);
});

test("health rounds run on their own every intervalMs", async (t) => {
  const [a, b] = [await backend(t, "a"), await backend(t, "b")];
  const nlb = await nlbFor(t, () => [a.target, b.target], { intervalMs: 50 });
  t.deepEqual(nlb.healthy(), [a.target, b.target]);
  b.health = "fail";
  await waitFor(() => nlb.healthy().length === 1, { what: "b to be taken out by a timed round", timeoutMs: 3_000 });
  b.health = "ok";
  await waitFor(() => nlb.healthy().length === 2, { what: "b to come back", timeoutMs: 3_000 });
  t.true(b.healthChecks >= 3);
});

test("health rounds follow the injected timer", async (t) => {
  const a = await backend(t, "a");
  const clock = new ManualClock();
  const nlb = await nlbFor(t, () => [a.target], {
    intervalMs: 5_000,
    setTimer: manualTimers(clock).setTimer,
    clearTimer: manualTimers(clock).clearTimer,
  });
  t.is(a.healthChecks, 1, "the first round runs at start");
  await clock.advance(4_999);
  t.is(a.healthChecks, 1);
  await clock.advance(1);
  await waitFor(() => a.healthChecks === 2, { what: "the second round" });
  await clock.advance(5_000);
  await waitFor(() => a.healthChecks === 3, { what: "the third round" });
  await nlb.stop();
  t.is(clock.pendingTimers, 0, "stop() cancels the next round");
});

test("the chosen target failing before it answers is a 502; failing mid-answer cuts the client off", async (t) => {
  const a = await backend(t, "a");
  const nlb = await nlbFor(t, () => [a.target]);
  const crash = await fetch(`${nlb.url}/crash`);
  t.is(crash.status, 502);
  t.regex(await crash.text(), new RegExp(`^bad gateway: target ${a.target} failed: `));
  const half = await fetch(`${nlb.url}/half`);
  t.is(half.status, 200, "the status was already on its way");
  await t.throwsAsync(half.text());
  t.is(await who(nlb), "a", "the NLB keeps serving");
});

test("the NLB's own /health is proxied to a member, as on the real NLB", async (t) => {
  const member = stopAtEnd(t, await startMember({ address: "127.0.0.1", appPort: 0, exporterPort: 0 }));
  const port = Number(new URL(member.appUrl).port);
  const nlb = await nlbFor(t, () => ["127.0.0.1"], { targetPort: port });
  const response = await fetch(`${nlb.url}/health`);
  t.is(response.status, 200);
  t.is(await response.text(), "OK");
  t.is((await fetch(`${nlb.url}/nope`)).status, 404);
});

test("a client that leaves cancels its request on the member, so the member's CPU is freed", async (t) => {
  const clock = new ManualClock();
  const member = stopAtEnd(t, await startMember({ address: "127.0.0.1", appPort: 0, exporterPort: 0, ...manualTimers(clock) }));
  const nlb = await nlbFor(t, () => [new URL(member.appUrl).host]);
  const abort = new AbortController();
  const gone = fetch(`${nlb.url}/load`, { signal: abort.signal }).catch(() => "aborted");
  await waitFor(() => member.activeJobs() === 1, { what: "the job on the member" });
  abort.abort();
  t.is(await gone, "aborted");
  await waitFor(() => member.activeJobs() === 0, { what: "the job to be cancelled" });

  const load = tracked(fetch(`${nlb.url}/load`));
  await waitFor(() => member.activeJobs() === 1, { what: "a second job" });
  await clock.advance(10_000);
  const response = await load.promise;
  t.is(response.status, 200);
  t.is(await response.text(), "Load generation done.");
});

test("hop-by-hop headers stay on their own hop", async (t) => {
  let seen: Record<string, string | string[] | undefined> = {};
  const server = createServer((req, res) => {
    if (req.url !== "/health") seen = req.headers;
    res.writeHead(200, { "X-Kept": "yes", "Keep-Alive": "timeout=1" }).end("OK");
  });
  const address = await listen(server, 0, "127.0.0.1");
  t.teardown(() => closeServer(server));
  const nlb = await nlbFor(t, () => [urlOf(address).slice("http://".length)]);
  const answer = await new Promise<Record<string, string | string[] | undefined>>((resolve, reject) => {
    const req = request(`${nlb.url}/x`, { headers: { Connection: "x-secret, keep-alive", "X-Secret": "1", "X-Public": "2" } }, (res) => {
      res.resume();
      resolve(res.headers);
    });
    req.on("error", reject);
    req.end();
  });
  t.is(seen["x-public"], "2");
  t.is(seen["x-secret"], undefined, "named in Connection: not forwarded");
  t.is(answer["x-kept"], "yes");
});

test("parseTarget: an address takes the default port; address:port and [v6]:port keep theirs", (t) => {
  t.deepEqual(parseTarget("127.0.0.5", 8080), { host: "127.0.0.5", port: 8080 });
  t.deepEqual(parseTarget("127.0.0.5:18080", 8080), { host: "127.0.0.5", port: 18080 });
  t.deepEqual(parseTarget("[::1]:9000", 8080), { host: "::1", port: 9000 });
  t.deepEqual(parseTarget("[::1]", 8080), { host: "::1", port: 8080 });
});

test("stop() closes the listener", async (t) => {
  const a = await backend(t, "a");
  const nlb = await startNlb({ port: 0, targets: () => [a.target], intervalMs: 60_000 });
  t.is(await who(nlb), "a");
  await nlb.stop();
  await t.throwsAsync(fetch(`${nlb.url}/`));
  await nlb.stop();
});
