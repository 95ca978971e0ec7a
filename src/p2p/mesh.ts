// The room mesh: one PeerLink to every other member, kept up while the member is in the room.
//
//   signaling ──signal {from,data}──> Mesh.handleSignal ──> PeerLink(from) ──frame──> `frame` event
//   Mesh.sendFrame(peerId, frame) ──> PeerLink(peerId) ──> data channel
//
// Exactly one side offers: the member with the smaller peer id (plain string order), so two
// members never offer to each other at once. The initiator retries a failed link with backoff;
// the answerer makes its link when the first signal of a new session arrives (candidates may come
// before the offer; simple-peer holds them until the offer is set).
//
// Signal data on the wire: `{session, signal}` where `session` names one connection attempt, so
// signals of an abandoned attempt are recognised and dropped, or `{session, bye: true}` from an
// answerer whose link failed, asking the initiator to start over at once.
import type { JsonObject } from '../net/signal-protocol.ts';
import type { BackoffOptions } from './backoff.ts';
import { backoffDelayMs, DEFAULT_BACKOFF } from './backoff.ts';
import { Emitter } from './emitter.ts';
import type { WrtcImplementation } from './node-webrtc.ts';
import type { ChannelMode, LinkCounters, PeerLinkOptions } from './peer-link.ts';
import { PeerLink } from './peer-link.ts';

/** How often each open link is pinged for its round trip time. */
export const RTT_PING_INTERVAL_MS = 2000;
/** Longest session id accepted in signal data. */
export const MAX_SESSION_CHARS = 32;

/** Where the connection to one member is: `retrying` waits out a backoff after a failure. */
export type MemberLinkState = 'connecting' | 'open' | 'retrying' | 'waiting';

/** Options of a mesh. */
export interface MeshOptions {
  /** This node's peer id, compared with the others' to choose who offers. */
  readonly selfId: string;
  /** Relays signal data to a member through signaling; false when it could not be sent. */
  readonly sendSignal: (to: string, data: JsonObject) => boolean;
  readonly channelMode?: ChannelMode;
  readonly iceServers?: readonly unknown[];
  readonly wrtc?: WrtcImplementation;
  readonly backoff?: Partial<BackoffOptions>;
  /** 0 turns RTT pings off. */
  readonly rttIntervalMs?: number;
  /** Passed to every link (buffer limit, connect timeout, clock). */
  readonly link?: Partial<Pick<PeerLinkOptions, 'maxBufferedBytes' | 'connectTimeoutMs' | 'now' | 'lossRate' | 'lossRandom'>>;
  readonly random?: () => number;
}

/** What the mesh knows about one member, for status displays. */
export interface MemberStatus {
  readonly peerId: string;
  readonly initiator: boolean;
  readonly state: MemberLinkState;
  readonly rttMs: number | null;
  /** Failed attempts since the last open link. */
  readonly failures: number;
  /** The code the last link closed with, if it failed. */
  readonly lastError: string | null;
  /** The current link's counters (zeros when there is none). */
  readonly counters: LinkCounters;
}

/** Events of a mesh. */
export interface MeshEvents {
  frame: { peerId: string; frame: Uint8Array };
  /** A member's link state changed. */
  state: { peerId: string; state: MemberLinkState };
  rtt: { peerId: string; rttMs: number };
  /** A link ended; `code` null for a deliberate close. */
  'link-closed': { peerId: string; code: string | null; message: string };
}

/** Counters of the mesh as a whole. */
export interface MeshCounters {
  linksOpened: number;
  linksFailed: number;
  /** Signal data that was not `{session, signal}` or `{session, bye}`. */
  badSignals: number;
  /** Signals from a member the mesh does not know, or of an abandoned session. */
  staleSignals: number;
  /** Frames for a member without a link. */
  framesToUnknown: number;
}

interface Member {
  readonly peerId: string;
  readonly initiator: boolean;
  link: PeerLink | null;
  session: string | null;
  /** The answerer's last failed session, whose late signals must not start a new link. */
  deadSession: string | null;
  state: MemberLinkState;
  failures: number;
  lastError: string | null;
  retryTimer: ReturnType<typeof setTimeout> | undefined;
}

const ZERO_COUNTERS: LinkCounters = Object.freeze({ framesIn: 0, bytesIn: 0, framesOut: 0, bytesOut: 0, dropped: {}, badIn: {} });

/** True if the node with id `self` makes the offer to `other`. */
export function isInitiator(self: string, other: string): boolean {
  return self < other;
}

/** One data-channel link per member of the room, with deterministic initiator, retries and RTT. */
export class Mesh extends Emitter<MeshEvents> {
  readonly counters: MeshCounters = { linksOpened: 0, linksFailed: 0, badSignals: 0, staleSignals: 0, framesToUnknown: 0 };
  private readonly members = new Map<string, Member>();
  private readonly backoff: BackoffOptions;
  private rttTimer: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  private sessionSeq = 0;

  constructor(private readonly options: MeshOptions) {
    super();
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    const interval = options.rttIntervalMs ?? RTT_PING_INTERVAL_MS;
    if (interval > 0) this.rttTimer = setInterval(() => this.pingAll(), interval);
  }

  /** Starts keeping a link to `peerId` (the initiator offers at once); no-op if already a member. */
  addPeer(peerId: string): void {
    if (this.closed || this.members.has(peerId) || peerId === this.options.selfId) return;
    const initiator = isInitiator(this.options.selfId, peerId);
    const member: Member = { peerId, initiator, link: null, session: null, deadSession: null, state: 'waiting', failures: 0, lastError: null, retryTimer: undefined };
    this.members.set(peerId, member);
    if (initiator) this.connect(member, this.newSession());
    else this.setState(member, 'waiting');
  }

  /** Closes and forgets the link to a member that left; false if it was not a member. */
  removePeer(peerId: string): boolean {
    const member = this.members.get(peerId);
    if (!member) return false;
    this.members.delete(peerId);
    clearTimeout(member.retryTimer);
    member.link?.destroy();
    return true;
  }

  /** Takes signal data relayed from `from`; bad or stale data is counted and dropped. */
  handleSignal(from: string, data: JsonObject): void {
    const member = this.members.get(from);
    if (!member) return void this.counters.staleSignals++;
    const session = data.session;
    if (typeof session !== 'string' || session.length === 0 || session.length > MAX_SESSION_CHARS) return void this.counters.badSignals++;
    if (data.bye === true) {
      // The answerer's link failed; only the initiator acts on it, and only for its current attempt.
      if (!member.initiator || session !== member.session) return void this.counters.staleSignals++;
      return this.fail(member, 'ERR_REMOTE_FAILED', 'the other side gave up on this link');
    }
    const signal = data.signal;
    if (typeof signal !== 'object' || signal === null || Array.isArray(signal)) return void this.counters.badSignals++;
    if (session !== member.session) {
      // The initiator only ever hears about its own sessions; a new session from the initiator
      // replaces whatever the answerer had.
      if (member.initiator || session === member.deadSession) return void this.counters.staleSignals++;
      this.connect(member, session);
    }
    // No link for this session (it failed and awaits its retry): the signal is stale.
    if (!member.link) return void this.counters.staleSignals++;
    member.link.signal(signal as JsonObject);
  }

  /** Sends a frame to one member; false (counted on the link or the mesh) when it was dropped. */
  sendFrame(peerId: string, frame: Uint8Array): boolean {
    const link = this.members.get(peerId)?.link;
    if (!link) {
      this.counters.framesToUnknown++;
      return false;
    }
    return link.sendFrame(frame);
  }

  /** The members and their links, in the order they were added. */
  status(): MemberStatus[] {
    return [...this.members.values()].map((m) => this.statusOf(m));
  }

  /** One member's status, or undefined. */
  member(peerId: string): MemberStatus | undefined {
    const m = this.members.get(peerId);
    return m && this.statusOf(m);
  }

  /** The current link to a member (for tests and benches). */
  link(peerId: string): PeerLink | null {
    return this.members.get(peerId)?.link ?? null;
  }

  /** Closes every link and stops retrying. */
  close(): void {
    this.closed = true;
    clearInterval(this.rttTimer);
    for (const id of [...this.members.keys()]) this.removePeer(id);
  }

  private statusOf(m: Member): MemberStatus {
    return {
      peerId: m.peerId,
      initiator: m.initiator,
      state: m.state,
      rttMs: m.link?.rttMs ?? null,
      failures: m.failures,
      lastError: m.lastError,
      counters: m.link?.counters ?? ZERO_COUNTERS,
    };
  }

  private newSession(): string {
    // Unique per mesh (the counter) and across page reloads with the same peer id (the time).
    return `${Date.now().toString(36)}-${(++this.sessionSeq).toString(36)}`;
  }

  private connect(member: Member, session: string): void {
    clearTimeout(member.retryTimer);
    const old = member.link;
    member.link = null;
    old?.destroy();
    const link = new PeerLink({
      ...this.options.link,
      initiator: member.initiator,
      channelMode: this.options.channelMode,
      iceServers: this.options.iceServers,
      wrtc: this.options.wrtc,
    });
    member.link = link;
    member.session = session;
    const current = () => member.link === link && this.members.get(member.peerId) === member;
    link.on('signal', (signal) => current() && this.options.sendSignal(member.peerId, { session, signal }));
    link.on('frame', (frame) => this.emit('frame', { peerId: member.peerId, frame }));
    link.on('rtt', (rttMs) => this.emit('rtt', { peerId: member.peerId, rttMs }));
    link.on('open', () => {
      if (!current()) return;
      member.failures = 0;
      member.lastError = null;
      this.counters.linksOpened++;
      this.setState(member, 'open');
      link.ping();
    });
    link.on('close', ({ code, message }) => {
      this.emit('link-closed', { peerId: member.peerId, code, message });
      if (code === null || !current()) return;
      this.onLinkFailed(member, session, code, message);
    });
    this.setState(member, 'connecting');
  }

  private onLinkFailed(member: Member, session: string, code: string, message: string): void {
    if (!member.initiator) {
      // Tell the initiator, which alone may start a new attempt.
      this.options.sendSignal(member.peerId, { session, bye: true });
    }
    this.fail(member, code, message);
  }

  private fail(member: Member, code: string, message: string): void {
    void message;
    this.counters.linksFailed++;
    member.lastError = code;
    member.failures++;
    const link = member.link;
    member.link = null;
    link?.destroy();
    // Late signals of the failed attempt (still in flight from the other side) are stale now.
    member.deadSession = member.session;
    member.session = null;
    if (!member.initiator) return this.setState(member, 'waiting');
    const delayMs = backoffDelayMs(member.failures - 1, this.backoff, this.options.random);
    this.setState(member, 'retrying');
    member.retryTimer = setTimeout(() => {
      if (this.members.get(member.peerId) === member) this.connect(member, this.newSession());
    }, delayMs);
  }

  private setState(member: Member, state: MemberLinkState): void {
    const changed = member.state !== state;
    member.state = state;
    if (changed || state === 'connecting') this.emit('state', { peerId: member.peerId, state });
  }

  private pingAll(): void {
    for (const m of this.members.values()) m.link?.ping();
  }
}
