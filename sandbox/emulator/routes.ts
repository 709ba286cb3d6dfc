/** The API v2 routes the emulator serves, by OpenAPI operationId, and the pure lookup of one request's route. */

export type Operation =
  | "list-instance-pools"
  | "get-instance-pool"
  | "scale-instance-pool"
  | "evict-instance-pool-members"
  | "list-instances"
  | "get-instance"
  | "get-operation"
  | "list-zones";

interface Route {
  operation: Operation;
  method: string;
  /** Matched against the path without its /v2 prefix; group 1 is the id segment, if any (still percent-encoded). */
  pattern: RegExp;
}

const ID = "([^/:]+)";
const ROUTES: readonly Route[] = [
  { operation: "list-instance-pools", method: "GET", pattern: /^\/instance-pool$/ },
  { operation: "get-instance-pool", method: "GET", pattern: new RegExp(`^/instance-pool/${ID}$`) },
  { operation: "scale-instance-pool", method: "PUT", pattern: new RegExp(`^/instance-pool/${ID}:scale$`) },
  { operation: "evict-instance-pool-members", method: "PUT", pattern: new RegExp(`^/instance-pool/${ID}:evict$`) },
  { operation: "list-instances", method: "GET", pattern: /^\/instance$/ },
  { operation: "get-instance", method: "GET", pattern: new RegExp(`^/instance/${ID}$`) },
  { operation: "get-operation", method: "GET", pattern: new RegExp(`^/operation/${ID}$`) },
  { operation: "list-zones", method: "GET", pattern: /^\/zone$/ },
];

export type RouteMatch =
  | { ok: true; operation: Operation; /** The id path segment, still percent-encoded; "" when the route has none. */ param: string }
  | { ok: false; status: 404 | 405; message: string };

/** Which operation a request is for: 404 when no route has this path, 405 when routes do but not for this method. */
export function matchRoute(method: string, path: string): RouteMatch {
  const relative = path.startsWith("/v2/") || path === "/v2" ? path.slice(3) : undefined;
  const candidates = relative === undefined ? [] : ROUTES.filter((r) => r.pattern.test(relative));
  const route = candidates.find((r) => r.method === method);
  if (route && relative !== undefined) return { ok: true, operation: route.operation, param: relative.match(route.pattern)![1] ?? "" };
  return candidates.length > 0
    ? { ok: false, status: 405, message: "method not allowed" }
    : { ok: false, status: 404, message: `no route for ${path}` };
}
