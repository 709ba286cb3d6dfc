/**
 * Hands out loopback addresses 127.0.0.2–127.0.0.254 to emulated members (127.0.0.1 stays for the host's own
 * services). A cursor moves forward and wraps, so an address just released is not handed out again at once:
 * like a cloud, and it keeps Prometheus from confusing a new member with the one that just left.
 */
export const FIRST_HOST = 2;
export const LAST_HOST = 254;
export const ADDRESS_CAPACITY = LAST_HOST - FIRST_HOST + 1;

export class LoopbackAllocator {
  private readonly inUse = new Set<string>();
  private next = FIRST_HOST;

  /** The next free address, or undefined when all are taken. */
  allocate(): string | undefined {
    for (let tried = 0; tried < ADDRESS_CAPACITY; tried += 1) {
      const host = this.next;
      this.next = host === LAST_HOST ? FIRST_HOST : host + 1;
      const address = `127.0.0.${host}`;
      if (!this.inUse.has(address)) {
        this.inUse.add(address);
        return address;
      }
    }
    return undefined;
  }

  release(address: string): void {
    this.inUse.delete(address);
  }

  get free(): number {
    return ADDRESS_CAPACITY - this.inUse.size;
  }
}
