import test from "ava";
import { readScalerConfig } from "../../../services/scaler/config.js";
import type { LoopStatus } from "../../../services/scaler/loop.js";
import { renderStatus } from "../../../services/scaler/status.js";
import { asserted, pool, T0 } from "./helpers.js";

const ENV = {
  EXOSCALE_KEY: "EXOkey",
  EXOSCALE_SECRET: "secret",
  EXOSCALE_ZONE: "at-vie-1",
  EXOSCALE_INSTANCEPOOL_ID: "7f8e5a4c-1111-2222-3333-444455556666",
};
const iso = (ms: number): string => new Date(ms).toISOString();

test("before the first tick: nulls for what is not known yet, the settings from the config", (t) => {
  const config = readScalerConfig({ ...ENV, DRY_RUN: "true", SCALING_MODE: "proportional", MIN_SIZE: "2", MAX_SIZE: "6" });
  const status = renderStatus({ tickSeconds: 60, dryRun: true }, { up: [], down: [] }, config);
  t.deepEqual(status, {
    poolId: "7f8e5a4c-1111-2222-3333-444455556666",
    pool: null,
    signals: { up: { count: 0, newest: [] }, down: { count: 0, newest: [] } },
    lastDecision: null,
    lastError: null,
    nextTickAt: null,
    settings: { tickSeconds: 60, dryRun: true, mode: "proportional", minSize: 2, maxSize: 6, auth: [] },
  });
});

test("after a tick: pool summary, signals with ISO times, last decision and error, auth methods without secrets", (t) => {
  const config = readScalerConfig({ ...ENV, WEBHOOK_TOKEN: "tok3n", WEBHOOK_HMAC_SECRET: "s3cret" });
  const lastDecision = {
    direction: "up" as const,
    currentSize: 3,
    targetSize: 4,
    reason: "up signal" as const,
    detail: "3 → 4",
    evaluated: true,
    consumes: [1],
    at: iso(T0),
    dryRun: false,
    changeId: "op-1",
  };
  const loopStatus: LoopStatus = {
    target: { ...pool(3, { members: [...pool(2).members, { id: "new", createdAt: T0, serving: false }] }), readAt: iso(T0) },
    lastDecision,
    lastError: { at: iso(T0 - 60_000), message: "get-instance-pool failed: timeout" },
    nextTickAt: iso(T0 + 60_000),
    tickSeconds: 60,
    dryRun: false,
  };
  const pulse = asserted("up", { since: T0 - 5_000, lastSeen: T0 - 5_000, expiresAt: T0 + 595_000 });
  const alert = asserted("down", {
    kind: "alert",
    source: "grafana",
    key: "grafana:abc",
    startsAt: "2026-01-01T11:50:00Z",
    since: T0 - 600_000,
    lastSeen: T0 - 30_000,
    value: 12.5,
    valueAt: T0 - 30_000,
  });
  const status = renderStatus(loopStatus, { up: [pulse], down: [alert] }, config);
  t.deepEqual(status, {
    poolId: "7f8e5a4c-1111-2222-3333-444455556666",
    pool: { size: 3, busy: null, members: 3, serving: 2, readAt: iso(T0) },
    signals: {
      up: {
        count: 1,
        newest: [{ kind: "pulse", source: "request", since: iso(T0 - 5_000), lastSeen: iso(T0 - 5_000), expiresAt: iso(T0 + 595_000) }],
      },
      down: {
        count: 1,
        newest: [
          {
            kind: "alert",
            source: "grafana",
            key: "grafana:abc",
            startsAt: "2026-01-01T11:50:00Z",
            since: iso(T0 - 600_000),
            lastSeen: iso(T0 - 30_000),
            value: 12.5,
          },
        ],
      },
    },
    lastDecision,
    lastError: { at: iso(T0 - 60_000), message: "get-instance-pool failed: timeout" },
    nextTickAt: iso(T0 + 60_000),
    settings: { tickSeconds: 60, dryRun: false, mode: "proportional", minSize: 1, maxSize: 10, auth: ["token", "hmac"] },
  });
  t.false(JSON.stringify(status).includes("tok3n") || JSON.stringify(status).includes("s3cret"), "no secret in /status");
});

test("/status lists the count of held signals and only the few heard of most recently", (t) => {
  const config = readScalerConfig(ENV);
  const many = Array.from({ length: 1000 }, (_, i) => asserted("up", { kind: "alert", key: `k${i}`, lastSeen: T0 + i }));
  const status = renderStatus({ tickSeconds: 60, dryRun: false }, { up: many, down: [] }, config) as {
    signals: { up: { count: number; newest: { key: string }[] } };
  };
  t.is(status.signals.up.count, 1000);
  t.deepEqual(
    status.signals.up.newest.map((s) => s.key),
    ["k999", "k998", "k997", "k996", "k995"],
  );
  t.true(JSON.stringify(status).length < 3000);
});
