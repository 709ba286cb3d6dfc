/**
 * Emulator hooks that give every emulated instance a running member (member.ts) on its loopback address:
 * pass them as `startEmulator({ hooks })`.
 *
 * - `onInstanceStarted` starts the member's servers on `instance.publicIp`. The emulator calls it when the
 *   instance is created and keeps the instance `starting` for its boot delay (the boot time) and until the
 *   servers are listening. With `bootDelayMs` equal to the emulator's, the servers listen only then, so
 *   nothing answers on the address while the instance boots. A failed bind (say, something else already has
 *   127.0.0.5:8080) rejects, and the emulator then shows the instance in state `error`.
 * - `onInstanceRemoved` stops the member when the emulator removes the instance (scaled in, evicted, or the
 *   emulator closing), so a removed member stops serving; held /load requests get 503.
 */
import type { InstanceHooks, InstanceSnapshot } from "../emulator/model.js";
import { startMember, type EmulatedMember, type MemberOptions } from "./member.js";

export interface MemberHooksOptions extends Omit<MemberOptions, "address"> {
  /**
   * Wait this long (ms, on the member clock) after the instance is created before its servers listen (default 0:
   * at once). Set it to the emulator's boot delay and a member serves exactly when the emulator turns it
   * `running`: the emulator waits for this hook before it does.
   */
  bootDelayMs?: number;
}

export interface MemberHooks extends InstanceHooks {
  /** Members serving now, by instance id, in start order. */
  readonly members: ReadonlyMap<string, EmulatedMember>;
  /** The addresses of the members serving now (for the NLB's `targets`). */
  addresses(): string[];
  /** Stops every member; later starts are refused. Idempotent. */
  close(): Promise<void>;
}

export function memberHooks(options: MemberHooksOptions = {}): MemberHooks {
  const { bootDelayMs = 0, ...memberOptions } = options;
  const setTimer = options.setTimer ?? ((callback: () => void, ms: number) => globalThis.setTimeout(callback, ms));
  const clearTimer = options.clearTimer ?? ((handle: unknown) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>));
  const members = new Map<string, EmulatedMember>();
  /** Starts in flight, so a removal that overtakes its start still stops the member. */
  const starting = new Map<string, Promise<EmulatedMember | undefined>>();
  /** Boots being waited out, so a removal or close() can cut them short. */
  const booting = new Map<string, () => void>();
  const removed = new Set<string>();
  let closed = false;

  const boot = (id: string): Promise<void> =>
    new Promise<void>((resolve) => {
      const handle = setTimer(() => {
        booting.delete(id);
        resolve();
      }, bootDelayMs);
      booting.set(id, () => {
        clearTimer(handle);
        booting.delete(id);
        resolve();
      });
    });

  const gone = (id: string): boolean => closed || removed.has(id);

  const stopMember = async (id: string): Promise<void> => {
    const member = members.get(id);
    members.delete(id);
    await member?.stop();
  };

  return {
    members,
    addresses: () => [...members.values()].map((member) => member.address),
    async onInstanceStarted(instance: InstanceSnapshot): Promise<void> {
      if (closed) throw new Error(`member hooks are closed: no member for instance ${instance.id}`);
      const start = (async (): Promise<EmulatedMember | undefined> => {
        if (bootDelayMs > 0) await boot(instance.id);
        if (gone(instance.id)) return undefined;
        const member = await startMember({ ...memberOptions, address: instance.publicIp });
        if (gone(instance.id)) {
          // Removed (or closed) while its servers were starting: it must not start serving after all.
          await member.stop();
          return undefined;
        }
        members.set(instance.id, member);
        return member;
      })();
      starting.set(instance.id, start);
      try {
        await start;
      } finally {
        starting.delete(instance.id);
      }
    },
    async onInstanceRemoved(instance: InstanceSnapshot): Promise<void> {
      removed.add(instance.id);
      booting.get(instance.id)?.();
      await starting.get(instance.id)?.catch(() => undefined);
      await stopMember(instance.id);
      removed.delete(instance.id);
    },
    async close(): Promise<void> {
      closed = true;
      for (const cut of [...booting.values()]) cut();
      await Promise.all([...starting.values()].map((start) => start.catch(() => undefined)));
      await Promise.all([...members.keys()].map(stopMember));
    },
  };
}
