/**
 * The API v2 JSON shapes (kebab-case, per the OpenAPI spec) for the subset we use, and pure mappers to the
 * camelCase domain types. The emulator serves these shapes, so both sides share one definition.
 */
import { isRecord, stringMap } from "../shared/json.js";
import type { Instance, InstancePool, InstancePoolState, InstanceState, Operation, OperationState } from "./types.js";

export interface WireRef {
  id: string;
}

export interface WireInstancePool {
  id: string;
  name: string;
  description?: string;
  size: number;
  state: InstancePoolState;
  instances?: WireRef[];
  "instance-type"?: WireRef;
  template?: WireRef;
  "disk-size"?: number;
  "security-groups"?: WireRef[];
  "instance-prefix"?: string;
  "ipv6-enabled"?: boolean;
  "public-ip-assignment"?: "inet4" | "dual" | "none";
  labels?: Record<string, string>;
  "min-available"?: number;
}

export interface WireManager {
  id: string;
  type: "instance-pool" | "sks-nodepool";
}

export interface WireInstance {
  id: string;
  name: string;
  state: InstanceState;
  "public-ip"?: string;
  "ipv6-address"?: string;
  "created-at": string;
  "instance-type"?: WireRef;
  template?: WireRef;
  "disk-size"?: number;
  "security-groups"?: WireRef[];
  manager?: WireManager;
  labels?: Record<string, string>;
  "mac-address"?: string;
  "public-ip-assignment"?: "inet4" | "dual" | "none";
}

export type OperationReason =
  | "incorrect"
  | "unknown"
  | "unavailable"
  | "forbidden"
  | "busy"
  | "fault"
  | "partial"
  | "not-found"
  | "interrupted"
  | "unsupported"
  | "conflict";

export interface WireOperation {
  id: string;
  state: OperationState;
  reason?: OperationReason;
  message?: string;
  reference?: { id?: string; link?: string; command?: string };
}

export class WireShapeError extends Error {
  constructor(what: string, value: unknown) {
    super(`unexpected Exoscale API response: ${what} (got ${JSON.stringify(value)?.slice(0, 200)})`);
    this.name = "WireShapeError";
  }
}

function str(value: unknown, field: string, whole: unknown): string {
  if (typeof value !== "string") throw new WireShapeError(`field ${field} is not a string`, whole);
  return value;
}

export function toInstancePool(value: unknown): InstancePool {
  if (!isRecord(value)) throw new WireShapeError("instance pool is not an object", value);
  const size = value.size;
  if (typeof size !== "number" || !Number.isInteger(size)) throw new WireShapeError("instance pool size", value);
  const refs = Array.isArray(value.instances) ? value.instances : [];
  return {
    id: str(value.id, "id", value),
    name: typeof value.name === "string" ? value.name : "",
    size,
    state: str(value.state, "state", value) as InstancePoolState,
    instanceIds: refs.filter(isRecord).map((ref) => str(ref.id, "instances[].id", value)),
    labels: stringMap(value.labels),
  };
}

export function toInstance(value: unknown): Instance {
  if (!isRecord(value)) throw new WireShapeError("instance is not an object", value);
  const instance: Instance = {
    id: str(value.id, "id", value),
    name: typeof value.name === "string" ? value.name : "",
    state: str(value.state, "state", value) as InstanceState,
    createdAt: typeof value["created-at"] === "string" ? value["created-at"] : "",
    labels: stringMap(value.labels),
  };
  if (typeof value["public-ip"] === "string" && value["public-ip"] !== "") instance.publicIp = value["public-ip"];
  if (isRecord(value.manager) && typeof value.manager.id === "string") instance.managerId = value.manager.id;
  return instance;
}

export function toOperation(value: unknown): Operation {
  if (!isRecord(value)) throw new WireShapeError("operation is not an object", value);
  const operation: Operation = {
    id: str(value.id, "id", value),
    state: str(value.state, "state", value) as OperationState,
  };
  if (typeof value.reason === "string") operation.reason = value.reason;
  if (typeof value.message === "string") operation.message = value.message;
  if (isRecord(value.reference) && typeof value.reference.id === "string") operation.referenceId = value.reference.id;
  return operation;
}

/** `{ "<key>": [ ... ] }` list envelopes. */
export function listOf<T>(value: unknown, key: string, map: (item: unknown) => T): T[] {
  if (!isRecord(value)) throw new WireShapeError(`list response is not an object`, value);
  const items = value[key];
  if (items === undefined) return []; // the API omits empty lists
  if (!Array.isArray(items)) throw new WireShapeError(`${key} is not a list`, value);
  return items.map(map);
}

/** Best-effort extraction of the human message from an error body (message, error, RFC 9457 detail/title). */
export function errorMessageOf(body: string): string | undefined {
  if (body.trim() === "") return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    if (isRecord(parsed)) {
      for (const key of ["message", "error", "detail", "title"]) {
        const value = parsed[key];
        if (typeof value === "string" && value !== "") return value;
      }
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  return body.trim().slice(0, 300);
}
