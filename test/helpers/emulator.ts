/** Test helpers for the in-process API emulator, shared by the emulator, client, SD agent and scaler tests. */
import type { ExecutionContext } from "ava";
import { startEmulator, type Emulator, type EmulatorClock, type EmulatorOptions } from "../../sandbox/emulator/server.js";
import { signRequest } from "../../lib/exoscale/signing.js";

/** Starts an emulator on loopback (port 0 unless given) that closes when the test ends. */
export async function startTestEmulator(t: ExecutionContext, options: EmulatorOptions = {}): Promise<Emulator> {
  const emulator = await startEmulator(options);
  t.teardown(() => emulator.close());
  return emulator;
}

/** The EXOSCALE_* variables a service (SD agent, scaler) needs to talk to this emulator about one pool. */
export function emulatorEnv(emulator: Emulator, poolId: string): Record<string, string> {
  return {
    EXOSCALE_KEY: emulator.key,
    EXOSCALE_SECRET: emulator.secret,
    EXOSCALE_ZONE: emulator.zone,
    EXOSCALE_INSTANCEPOOL_ID: poolId,
    EXOSCALE_API_ENDPOINT: emulator.url,
  };
}

/** A clock the test moves by hand: no global is faked, so real sockets keep working. */
export class ManualClock implements EmulatorClock {
  private current: number;
  private readonly pending = new Map<number, { at: number; callback: () => void }>();
  private nextId = 1;

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.pending.set(id, { at: this.current + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  get pendingTimers(): number {
    return this.pending.size;
  }

  /** Moves time forward, firing due timers in order (timers scheduled meanwhile fire too if due). */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      const due = [...this.pending.entries()].filter(([, t]) => t.at <= target).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.pending.delete(due[0]);
      this.current = Math.max(this.current, due[1].at);
      due[1].callback();
      await flush();
    }
    this.current = target;
    await flush();
  }
}

/** Lets promise callbacks and already-queued I/O callbacks run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 3; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

export interface SignedFetchOptions {
  key: string;
  secret: string;
  body?: unknown;
  /** Override the expiry (UNIX seconds); default now + 600. */
  expires?: number;
  /** Override what is put in the header (to test tampering). */
  authorization?: string;
}

/** A raw signed request against the emulator, without our client, for testing the emulator itself. */
export async function signedFetch(baseUrl: string, method: string, relative: string, options: SignedFetchOptions): Promise<Response> {
  const url = new URL(`${baseUrl}/${relative}`);
  const body = options.body === undefined ? "" : typeof options.body === "string" ? options.body : JSON.stringify(options.body);
  const authorization =
    options.authorization ??
    signRequest(
      { key: options.key, secret: options.secret },
      {
        method,
        path: url.pathname,
        body,
        query: url.searchParams.entries(),
        expires: options.expires ?? Math.floor(Date.now() / 1000) + 600,
      },
    );
  return fetch(url, {
    method,
    headers: { Authorization: authorization, ...(body ? { "Content-Type": "application/json" } : {}) },
    ...(body ? { body } : {}),
  });
}
