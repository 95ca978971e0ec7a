// Address leases for one room's 10.0.2.0/24: .1 is the gateway's, VMs get .2 to .254.
import { FIRST_VM_HOST, GATEWAY_IP, LAST_VM_HOST, ROOM_NET_PREFIX } from '../src/net/signal-ids.ts';
import type { PeerKind } from '../src/net/signal-protocol.ts';

/** Hands out unique addresses in one room; a released address is reused last (round robin). */
export class LeasePool {
  private readonly used = new Set<number>();
  // Round robin rather than lowest-free: other guests' ARP caches may still map a just-released
  // address to the old MAC, so reusing it at once would misdirect frames for a while.
  private cursor = FIRST_VM_HOST;

  /** Leases an address for a peer of `kind`, or undefined when none is free. */
  acquire(kind: PeerKind): string | undefined {
    if (kind === 'gateway') {
      if (this.used.has(1)) return undefined;
      this.used.add(1);
      return GATEWAY_IP;
    }
    const span = LAST_VM_HOST - FIRST_VM_HOST + 1;
    for (let i = 0; i < span; i++) {
      const host = FIRST_VM_HOST + ((this.cursor - FIRST_VM_HOST + i) % span);
      if (!this.used.has(host)) {
        this.used.add(host);
        this.cursor = host === LAST_VM_HOST ? FIRST_VM_HOST : host + 1;
        return ROOM_NET_PREFIX + host;
      }
    }
    return undefined;
  }

  /** Returns `ip` to the pool; unknown addresses are ignored. */
  release(ip: string): void {
    if (ip.startsWith(ROOM_NET_PREFIX)) this.used.delete(Number(ip.slice(ROOM_NET_PREFIX.length)));
  }

  /** Number of addresses currently leased. */
  get size(): number {
    return this.used.size;
  }
}
