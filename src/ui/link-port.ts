// The room node's local port on the page: one stable FramePort in front of whichever guest link
// (tty or nic) the page currently boots with, so a Reset or a link change keeps the room
// membership, the peer id and the address.
//
//   room node ──send──> LinkPort ──> vm.tty or vm.nic (the current link) ──> worker ──> guest
//   room node <─onFrame─ LinkPort <── vm.tty / vm.nic (frames from the other link are dropped)
import type { FramePort, FramePortCounters, LinkKind } from '../vm/types.ts';

/** The two frame ports of a guest, as a WorkerVm has them. */
export interface LinkSource {
  readonly tty: FramePort;
  readonly nic: FramePort;
}

/** A FramePort that follows the page's current guest and link kind. */
export class LinkPort implements FramePort {
  readonly counters: FramePortCounters = { framesIn: 0, bytesIn: 0, framesOut: 0, bytesOut: 0, dropped: {} };
  private readonly listeners = new Set<(frame: Uint8Array) => void>();
  private source: LinkSource | undefined;
  private detachSource: (() => void) | undefined;

  /** `link` is read on every frame, so a link change needs no re-wiring here. */
  constructor(private readonly link: () => LinkKind) {}

  /** Follows `source`'s ports (replacing any earlier source); undefined detaches. */
  attach(source: LinkSource | undefined): void {
    this.detachSource?.();
    this.detachSource = undefined;
    this.source = source;
    if (!source) return;
    const offs = (['tty', 'nic'] as const).map((kind) => source[kind].onFrame((frame) => this.fromGuest(kind, frame)));
    this.detachSource = () => offs.forEach((off) => off());
  }

  /** Sends a frame to the guest on the current link; dropped and counted when there is none. */
  send(frame: Uint8Array): void {
    const kind = this.link();
    if (!this.source || kind === 'none') return this.drop(this.source ? 'noLink' : 'noGuest');
    this.counters.framesIn++;
    this.counters.bytesIn += frame.byteLength;
    this.source[kind].send(frame);
  }

  onFrame(listener: (frame: Uint8Array) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private fromGuest(kind: 'tty' | 'nic', frame: Uint8Array): void {
    // Only the link the guest booted with is on the LAN; stray frames from the other are not ours.
    if (kind !== this.link()) return this.drop('otherLink');
    this.counters.framesOut++;
    this.counters.bytesOut += frame.byteLength;
    for (const fn of [...this.listeners]) fn(frame);
  }

  private drop(reason: string): void {
    this.counters.dropped[reason] = (this.counters.dropped[reason] ?? 0) + 1;
  }
}
