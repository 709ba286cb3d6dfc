/**
 * The part of autocannon 8's programmatic API the load tool uses (the package ships no types, and
 * @types/autocannon describes 7.x).
 */
declare module "autocannon" {
  import type { EventEmitter } from "node:events";

  export interface AutocannonOptions {
    url: string;
    connections?: number;
    /** Seconds. */
    duration?: number;
    /** Seconds before a request counts as timed out (default 10). */
    timeout?: number;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    pipelining?: number;
  }

  export interface AutocannonResult {
    errors: number;
    timeouts: number;
    duration: number;
    non2xx: number;
    /** Per-second request counts. */
    requests: { average: number; total: number };
    /** Response times in ms. */
    latency: { p50: number; p90: number; p99: number; max: number };
  }

  export interface AutocannonInstance extends EventEmitter {
    /** Ends the run at its next one-second sample; the callback then gets the result. */
    stop(): void;
    on(event: "response", listener: (client: unknown, statusCode: number, resBytes: number, responseTimeMs: number) => void): this;
    on(event: "reqError", listener: (error: Error & { code?: string }) => void): this;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }

  function autocannon(options: AutocannonOptions, callback: (error: Error | null, result: AutocannonResult) => void): AutocannonInstance;
  export default autocannon;
}
