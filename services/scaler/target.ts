/**
 * What the loop scales: a target it can observe and change. The target owns everything about its own
 * changes (the operation it waits for, when it last changed, whether a change whose call failed was
 * made after all), so the loop only orchestrates and the policy only decides. The Exoscale instance
 * pool (targets/exoscalePool.ts) is the first; a Kubernetes Deployment or an HTTP replicas API would
 * implement the same interface.
 */
import { messageOf } from "../../lib/shared/errors.js";
import type { Decision } from "./policy/decide.js";

export interface TargetMember {
  id: string;
  /** ms since epoch: warm-up and cooldown are computed from it, so they survive restarts. */
  createdAt: number;
  /** Takes traffic and shows in the CPU average (a running instance, a ready pod). */
  serving: boolean;
}

/** The target as the policy sees it. */
export interface TargetView {
  /** The size the target is asked to have. */
  size: number;
  /** Why the target cannot be judged or changed right now (e.g. "scaling-up", "operation pending"). */
  busy?: string;
  /** Members that exist and are not leaving, serving or still starting. */
  members: TargetMember[];
  /** When this scaler last changed the target (ms). */
  lastChangeAt?: number;
}

/** What became of a change: only `succeeded` and `made after all` use up the signals behind it. */
export type ChangeOutcome = "succeeded" | "failed" | "made after all" | "not made";

export interface SettledChange {
  /** The decision whose change this was. */
  decision: Decision;
  outcome: ChangeOutcome;
  /** Why, in words: the API's reason for a failure, or what the size showed. */
  detail: string;
  /** When apply() was called for it (ms). */
  startedAt: number;
}

export interface Observation {
  view: TargetView;
  /** Changes that ended (or were judged) since the last successful observation, oldest first. */
  settled: SettledChange[];
}

export interface AppliedChange {
  /** The target's id for the change (an operation id), when it has one. */
  id?: string;
  /** True when the change is complete; false when the target will report it later as settled. */
  done: boolean;
}

export interface ScaleTarget {
  /** For log lines, e.g. "instance pool 6f1c… in ch-gva-2". */
  readonly description: string;
  /** Reads the target; throws TargetError when it cannot. */
  observe(now: number): Promise<Observation>;
  /** Starts the change a decision asks for; throws TargetError when it is refused or fails. */
  apply(decision: Decision, now: number): Promise<AppliedChange>;
  /** Its memory of its own changes as plain JSON, for the state file. */
  exportState(): unknown;
  /** Takes back a memory saved by exportState; false (and nothing changed) when it does not recognise it. */
  importState(state: unknown): boolean;
}

/** A call to the target that failed, named by the operation so logs and metrics say which one. */
export class TargetError extends Error {
  constructor(
    public readonly operation: string,
    public readonly cause: unknown,
  ) {
    super(`${operation} failed: ${messageOf(cause)}`);
    this.name = "TargetError";
  }
}
