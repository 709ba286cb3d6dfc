import test from "ava";
import { matchRoute, type RouteMatch } from "../../../sandbox/emulator/routes.js";

const POOL = "9a3c5a6e-1f2b-4c3d-8e4f-5a6b7c8d9e0f";

const table: Array<[method: string, path: string, expected: RouteMatch]> = [
  ["GET", "/v2/instance-pool", { ok: true, operation: "list-instance-pools", param: "" }],
  ["GET", `/v2/instance-pool/${POOL}`, { ok: true, operation: "get-instance-pool", param: POOL }],
  ["PUT", `/v2/instance-pool/${POOL}:scale`, { ok: true, operation: "scale-instance-pool", param: POOL }],
  ["PUT", `/v2/instance-pool/${POOL}:evict`, { ok: true, operation: "evict-instance-pool-members", param: POOL }],
  ["GET", "/v2/instance", { ok: true, operation: "list-instances", param: "" }],
  ["GET", `/v2/instance/${POOL}`, { ok: true, operation: "get-instance", param: POOL }],
  ["GET", `/v2/operation/${POOL}`, { ok: true, operation: "get-operation", param: POOL }],
  ["GET", "/v2/zone", { ok: true, operation: "list-zones", param: "" }],
  ["GET", "/v2/instance/not%20a%20uuid", { ok: true, operation: "get-instance", param: "not%20a%20uuid" }],
  ["DELETE", `/v2/instance-pool/${POOL}`, { ok: false, status: 405, message: "method not allowed" }],
  ["GET", `/v2/instance-pool/${POOL}:scale`, { ok: false, status: 405, message: "method not allowed" }],
  ["PUT", `/v2/instance-pool/${POOL}:resize`, { ok: false, status: 404, message: `no route for /v2/instance-pool/${POOL}:resize` }],
  ["GET", "/instance-pool", { ok: false, status: 404, message: "no route for /instance-pool" }],
  ["GET", "/v2", { ok: false, status: 404, message: "no route for /v2" }],
  ["GET", "/v2/instance/a/b", { ok: false, status: 404, message: "no route for /v2/instance/a/b" }],
  ["GET", "/v3/zone", { ok: false, status: 404, message: "no route for /v3/zone" }],
];

for (const [method, path, expected] of table) {
  test(`${method} ${path}`, (t) => {
    t.deepEqual(matchRoute(method, path), expected);
  });
}
