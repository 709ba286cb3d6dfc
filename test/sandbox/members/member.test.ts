/** One emulated member over real HTTP; its CPU runs on a ManualClock, so a 10 s /load takes no real time. */
import test, { type ExecutionContext } from "ava";
import { startMember, type EmulatedMember, type MemberOptions } from "../../../sandbox/members/member.js";
import { ManualClock } from "../../helpers/emulator.js";
import { requireTool } from "../../helpers/tools.js";
import { waitFor } from "../../helpers/wait.js";
import { manualTimers, promtoolCheckMetrics, stopAtEnd, tracked } from "./helpers.js";

async function start(t: ExecutionContext, options: Partial<MemberOptions> = {}): Promise<{ member: EmulatedMember; clock: ManualClock }> {
  const clock = new ManualClock();
  const member = stopAtEnd(t, await startMember({ address: "127.0.0.1", appPort: 0, exporterPort: 0, ...manualTimers(clock), ...options }));
  return { member, clock };
}

/** Values of node_cpu_seconds_total by `cpu/mode`. */
async function scrape(member: EmulatedMember): Promise<Record<string, number>> {
  const text = await (await fetch(member.metricsUrl)).text();
  const values: Record<string, number> = {};
  for (const match of text.matchAll(/^node_cpu_seconds_total\{cpu="(\d+)",mode="(\w+)"\} (\S+)$/gm)) {
    values[`${match[1]}/${match[2]}`] = Number(match[3]);
  }
  return values;
}

test("GET /health answers 200 OK; other paths 404, like the original", async (t) => {
  const { member } = await start(t);
  const health = await fetch(`${member.appUrl}/health`);
  t.is(health.status, 200);
  t.is(await health.text(), "OK");
  t.regex(health.headers.get("content-type") ?? "", /^text\/plain/);
  t.is((await fetch(`${member.appUrl}/health?probe=1`)).status, 200, "the query does not matter");
  for (const path of ["/", "/nope", "/health/x", "/loads"]) {
    const response = await fetch(`${member.appUrl}${path}`);
    t.is(response.status, 404, path);
    t.is(await response.text(), "404 page not found\n");
  }
});

test("GET /load answers when the model has given it 10 s of CPU, not before", async (t) => {
  const { member, clock } = await start(t);
  const load = tracked(fetch(`${member.appUrl}/load`));
  await waitFor(() => member.activeJobs() === 1, { what: "the job to start" });
  await clock.advance(9_999);
  t.false(load.settled(), "still working at 9.999 s");
  t.is(member.activeJobs(), 1);
  await clock.advance(1);
  const response = await load.promise;
  t.is(response.status, 200);
  t.is(await response.text(), "Load generation done.");
  t.is(member.activeJobs(), 0);
  t.is(member.busySeconds(), 10);
});

test("two concurrent /load requests share the CPU and both answer at 20 s", async (t) => {
  const { member, clock } = await start(t);
  const first = tracked(fetch(`${member.appUrl}/load`));
  const second = tracked(fetch(`${member.appUrl}/load`));
  await waitFor(() => member.activeJobs() === 2, { what: "both jobs" });
  await clock.advance(19_999);
  t.false(first.settled() || second.settled());
  await clock.advance(1);
  t.deepEqual(await Promise.all([first.promise, second.promise].map((p) => p.then((r) => r.status))), [200, 200]);
  t.is(member.busySeconds(), 20);
});

test("a client that leaves takes its job off the CPU", async (t) => {
  const { member, clock } = await start(t);
  const abort = new AbortController();
  const gone = fetch(`${member.appUrl}/load`, { signal: abort.signal }).catch(() => "aborted");
  const stays = fetch(`${member.appUrl}/load`);
  await waitFor(() => member.activeJobs() === 2, { what: "both jobs" });
  await clock.advance(2_000);
  abort.abort();
  t.is(await gone, "aborted");
  await waitFor(() => member.activeJobs() === 1, { what: "the abandoned job to leave" });
  // The one left had 9 s to go at 2 s and has the CPU to itself: done at 11 s.
  await clock.advance(8_999);
  t.is(member.activeJobs(), 1);
  await clock.advance(1);
  t.is((await stays).status, 200);
});

test("metrics: node_exporter's CPU counters follow the model, stay monotonic, and idle grows with no job", async (t) => {
  const { member, clock } = await start(t, { cores: 2 });
  await clock.advance(5_000);
  const idle = await scrape(member);
  t.is(Object.keys(idle).length, 16, "8 modes × 2 CPUs");
  t.is(idle["0/idle"], 5);
  t.is(idle["1/idle"], 5);
  t.is(idle["0/user"], 0);

  const load = fetch(`${member.appUrl}/load`);
  await waitFor(() => member.activeJobs() === 1, { what: "the job" });
  await clock.advance(4_000);
  const busy = await scrape(member);
  t.is(busy["0/idle"], 5, "no idle time while the job runs");
  t.is(busy["0/user"]! + busy["0/system"]!, 4);
  t.is(busy["1/user"], busy["0/user"], "the job pins every CPU");

  await clock.advance(10_000);
  t.is((await load).status, 200);
  const after = await scrape(member);
  t.is(after["0/user"]! + after["0/system"]!, 10);
  t.is(after["0/idle"], 9, "6 s idle after the job");
  for (const key of Object.keys(after)) {
    t.true(after[key]! >= busy[key]! && busy[key]! >= idle[key]!, `${key} never goes down`);
  }
});

test("metrics text passes promtool check metrics", async (t) => {
  if (!(await requireTool(t, "promtool"))) return;
  const { member, clock } = await start(t, { cores: 2 });
  const load = fetch(`${member.appUrl}/load`);
  await waitFor(() => member.activeJobs() === 1, { what: "the job" });
  await clock.advance(3_333);
  const response = await fetch(member.metricsUrl);
  t.regex(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  const checked = await promtoolCheckMetrics(text);
  t.is(checked.code, 0, checked.output);
  t.regex(text, /^# HELP node_cpu_seconds_total /m);
  t.regex(text, /^# TYPE node_cpu_seconds_total counter$/m);
  await clock.advance(10_000);
  await load;
});

test("stop() answers held /load requests 503 and closes both servers", async (t) => {
  const { member } = await start(t);
  const held = fetch(`${member.appUrl}/load`);
  await waitFor(() => member.activeJobs() === 1, { what: "the job" });
  await member.stop();
  const response = await held;
  t.is(response.status, 503);
  t.is(await response.text(), "member stopping");
  await t.throwsAsync(fetch(`${member.appUrl}/health`));
  await t.throwsAsync(fetch(member.metricsUrl));
  await member.stop(); // idempotent
});

test("a member binds its own address: two members share the ports on different loopback addresses", async (t) => {
  const clock = new ManualClock();
  const first = stopAtEnd(t, await startMember({ address: "127.0.0.1", appPort: 0, exporterPort: 0, ...manualTimers(clock) }));
  const port = Number(new URL(first.appUrl).port);
  const metricsPort = Number(new URL(first.metricsUrl).port);
  const second = stopAtEnd(
    t,
    await startMember({ address: "127.0.0.3", appPort: port, exporterPort: metricsPort, ...manualTimers(clock) }),
  );
  t.is(second.appUrl, `http://127.0.0.3:${port}`);
  t.is(second.metricsUrl, `http://127.0.0.3:${metricsPort}/metrics`);
  t.is(await (await fetch(`${second.appUrl}/health`)).text(), "OK");
  await t.throwsAsync(startMember({ address: "127.0.0.3", appPort: port, exporterPort: 0 }), {
    code: "EADDRINUSE",
    message: new RegExp(`^emulated member: cannot listen on 127\\.0\\.0\\.3, app port ${port}: something else listens there`),
  });
  await t.throwsAsync(startMember({ address: "127.0.0.3", appPort: 0, exporterPort: metricsPort }), {
    code: "EADDRINUSE",
    message: new RegExp(`exporter port ${metricsPort}: .*node_exporter`),
  });
  t.is(await (await fetch(`${second.appUrl}/health`)).text(), "OK", "a failed start leaves the first member alone");
});
