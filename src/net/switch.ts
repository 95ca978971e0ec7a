// The per-node Ethernet switch: this node's VM (or tap) on local ports, every other node on a peer port.
//
//   local port (VM, tap) ──┐                ┌── peer port (data channel to node B)
//                          ├── EthernetSwitch ┤
//   local port ────────────┘                └── peer port (data channel to node C)
//
// The room is a full mesh, so a frame that arrived from a peer already went to every other peer
// directly from its origin: it only ever goes on to local ports (split horizon, no loops).

import { ETHERNET_HEADER_BYTES } from './ethernet.ts';
import { formatMac, isMulticastMac, MAC_BYTES, macBytes, macKey } from './mac.ts';

/** How long a learned MAC stays in the table without being seen again (Linux bridge's default). */
export const MAC_AGE_MS = 300_000;
/** Table size beyond which the oldest-learned entries are evicted, so a MAC flood cannot grow memory. */
export const MAX_MAC_ENTRIES = 4096;

/** `local`: this node's VM or tap; `peer`: a data channel to another node. */
export type PortKind = 'local' | 'peer';

/** Decides whether a frame may leave by a port; returns a drop reason to count, or null to send. */
export type EgressFilter = (frame: Uint8Array) => string | null;

/** Frames and bytes through one port; drops by reason (ingress drops on the input port, egress on the output). */
export interface SwitchPortCounters {
  framesIn: number;
  bytesIn: number;
  framesOut: number;
  bytesOut: number;
  dropped: Record<string, number>;
}

/** Options of a switch; `now` is the clock used for aging (milliseconds), injected so tests need no timers. */
export interface SwitchOptions {
  readonly now?: () => number;
  readonly macAgeMs?: number;
  readonly maxMacEntries?: number;
}

/** One row of the MAC table, for status displays. */
export interface MacTableEntry {
  readonly mac: string;
  readonly portId: string;
  readonly ageMs: number;
}

interface Port {
  readonly id: string;
  readonly kind: PortKind;
  readonly send: (frame: Uint8Array) => void;
  egressFilter: EgressFilter | null;
  readonly counters: SwitchPortCounters;
}

interface Entry {
  port: Port;
  seenAt: number;
}

/** A learning Ethernet switch with split horizon between peer ports, per-port counters and MAC aging. */
export class EthernetSwitch {
  /** Frames given to `input` for a port that does not exist (for example one removed a moment ago). */
  unknownPortFrames = 0;
  private readonly ports = new Map<string, Port>();
  // Keyed by macKey (a number), so forwarding allocates nothing per frame.
  private readonly table = new Map<number, Entry>();
  private readonly now: () => number;
  private readonly macAgeMs: number;
  private readonly maxMacEntries: number;

  constructor(options: SwitchOptions = {}) {
    this.now = options.now ?? (() => Date.now());
    this.macAgeMs = options.macAgeMs ?? MAC_AGE_MS;
    this.maxMacEntries = options.maxMacEntries ?? MAX_MAC_ENTRIES;
  }

  /** Attaches a port; throws ERR_PORT_EXISTS if the id is taken. */
  addPort(id: string, kind: PortKind, send: (frame: Uint8Array) => void, egressFilter: EgressFilter | null = null): void {
    if (this.ports.has(id)) throw Object.assign(new Error(`port ${id} exists`), { code: 'ERR_PORT_EXISTS' });
    const counters: SwitchPortCounters = { framesIn: 0, bytesIn: 0, framesOut: 0, bytesOut: 0, dropped: {} };
    this.ports.set(id, { id, kind, send, egressFilter, counters });
  }

  /** Detaches a port and forgets every MAC learned on it; returns false if there was no such port. */
  removePort(id: string): boolean {
    const port = this.ports.get(id);
    if (!port) return false;
    this.ports.delete(id);
    for (const [key, entry] of this.table) if (entry.port === port) this.table.delete(key);
    return true;
  }

  /** Sets or clears the egress filter of a port; throws ERR_NO_PORT if there is no such port. */
  setEgressFilter(id: string, filter: EgressFilter | null): void {
    this.port(id).egressFilter = filter;
  }

  /** Records that `mac` lives behind port `portId` (for example from a signaling announce). */
  learn(mac: string, portId: string): void {
    const bytes = macBytes(mac);
    if (isMulticastMac(bytes)) throw Object.assign(new TypeError(`${mac} is multicast`), { code: 'ERR_BAD_ADDRESS' });
    this.record(macKey(bytes), this.port(portId));
  }

  /** The port a MAC is known to live behind, if its entry has not aged out. */
  lookup(mac: string): string | undefined {
    return this.find(macKey(macBytes(mac)))?.port.id;
  }

  /** Counters of a port, live (the same object keeps counting); undefined if there is no such port. */
  counters(portId: string): SwitchPortCounters | undefined {
    return this.ports.get(portId)?.counters;
  }

  /** The ids and kinds of the attached ports, in the order they were added. */
  portIds(): Array<{ id: string; kind: PortKind }> {
    return [...this.ports.values()].map(({ id, kind }) => ({ id, kind }));
  }

  /** A snapshot of the live MAC table. */
  macTable(): MacTableEntry[] {
    const now = this.now();
    const rows: MacTableEntry[] = [];
    for (const [key, e] of this.table) {
      if (now - e.seenAt > this.macAgeMs) continue;
      const b = new Uint8Array(MAC_BYTES);
      for (let i = MAC_BYTES - 1, k = key; i >= 0; i--, k = Math.floor(k / 256)) b[i] = k % 256;
      rows.push({ mac: formatMac(b), portId: e.port.id, ageMs: now - e.seenAt });
    }
    return rows;
  }

  /** Switches one frame that arrived on port `portId`; never throws for bad frames, only counts them. */
  input(portId: string, frame: Uint8Array): void {
    const from = this.ports.get(portId);
    if (!from) {
      this.unknownPortFrames++;
      return;
    }
    from.counters.framesIn++;
    from.counters.bytesIn += frame.length;
    if (frame.length < ETHERNET_HEADER_BYTES) return drop(from, 'runt');
    // A group address is never a sender: such frames are forged or broken, and learning them would
    // steal a multicast group's traffic.
    if (isMulticastMac(frame, MAC_BYTES)) return drop(from, 'multicastSource');
    this.record(macKey(frame, MAC_BYTES), from);

    if (!isMulticastMac(frame, 0)) {
      const to = this.find(macKey(frame, 0));
      if (to) {
        if (to.port === from) return drop(from, 'sameSegment');
        if (from.kind === 'peer' && to.port.kind === 'peer') return drop(from, 'splitHorizon');
        this.output(to.port, frame);
        return;
      }
    }
    // Broadcast, multicast and unknown unicast flood, within split horizon.
    for (const port of this.ports.values()) {
      if (port === from || (from.kind === 'peer' && port.kind === 'peer')) continue;
      this.output(port, frame);
    }
  }

  private output(port: Port, frame: Uint8Array): void {
    const reason = port.egressFilter?.(frame) ?? null;
    if (reason !== null) return drop(port, reason);
    try {
      port.send(frame);
    } catch {
      // A closing data channel can throw; Ethernet is lossy, so count it and go on.
      return drop(port, 'sendError');
    }
    port.counters.framesOut++;
    port.counters.bytesOut += frame.length;
  }

  private record(key: number, port: Port): void {
    const now = this.now();
    const entry = this.table.get(key);
    if (entry) {
      entry.port = port;
      entry.seenAt = now;
      return;
    }
    if (this.table.size >= this.maxMacEntries) this.evict(now);
    this.table.set(key, { port, seenAt: now });
  }

  private find(key: number): Entry | undefined {
    const entry = this.table.get(key);
    if (entry && this.now() - entry.seenAt > this.macAgeMs) {
      this.table.delete(key);
      return undefined;
    }
    return entry;
  }

  // Frees room: expired entries first, else the oldest-learned one (Map keeps insertion order).
  private evict(now: number): void {
    for (const [key, e] of this.table) if (now - e.seenAt > this.macAgeMs) this.table.delete(key);
    if (this.table.size >= this.maxMacEntries) {
      const first = this.table.keys().next();
      if (!first.done) this.table.delete(first.value);
    }
  }

  private port(id: string): Port {
    const port = this.ports.get(id);
    if (!port) throw Object.assign(new Error(`no port ${id}`), { code: 'ERR_NO_PORT' });
    return port;
  }
}

function drop(port: Port, reason: string): void {
  port.counters.dropped[reason] = (port.counters.dropped[reason] ?? 0) + 1;
}
