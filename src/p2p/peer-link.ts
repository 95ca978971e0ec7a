// One WebRTC connection to one other member of the room: one data channel, one Ethernet frame
// per binary message. Text messages on the same channel are control messages (RTT pings), so a
// frame is never copied to add a header.
//
//   switch ──sendFrame──> [bufferedAmount check] ──> data channel ──> remote link ──frame──> remote switch
//
// Every failure goes down `destroy(err)`, once, and ends in one `close` event with a code.
import SimplePeer from 'simple-peer';
import { ETHERNET_HEADER_BYTES } from '../net/ethernet.ts';
import type { JsonObject } from '../net/signal-protocol.ts';
import { Emitter } from './emitter.ts';
import type { WrtcImplementation } from './node-webrtc.ts';

/** Above this many bytes queued in the data channel, frames are dropped and counted (Ethernet is
 * lossy; an unbounded queue would only add latency). ~170 full frames, ~15 ms at 12k frames/s. */
export const MAX_BUFFERED_BYTES = 256 * 1024;
/** Largest frame carried: MTU 9000 plus the Ethernet header and a VLAN tag. */
export const MAX_FRAME_BYTES = 9000 + ETHERNET_HEADER_BYTES + 4;
/** A link not connected this long after it was created fails with ERR_CONNECT_TIMEOUT. */
export const CONNECT_TIMEOUT_MS = 15_000;
/** Longest control message accepted; a ping or pong is about 30 bytes. */
export const MAX_CONTROL_BYTES = 256;
/** Pings older than this without a pong are forgotten (so lost pongs cannot grow memory). */
export const MAX_PINGS_IN_FLIGHT = 8;

/** `reliable`: ordered and retransmitted (SCTP default); `unordered`: no order, no retransmits. */
export type ChannelMode = 'reliable' | 'unordered';

/** The channel mode a link uses unless told: see bench:lan for the figures behind the choice. */
export const DEFAULT_CHANNEL_MODE: ChannelMode = 'reliable';

/** Where a link is. */
export type LinkState = 'connecting' | 'open' | 'closed';

/** Codes a link closes with, besides simple-peer's own (ERR_ICE_CONNECTION_FAILURE, ERR_DATA_CHANNEL, ...). */
export type LinkErrorCode = 'ERR_CONNECT_TIMEOUT' | 'ERR_LINK_CLOSED' | 'ERR_BAD_SIGNAL' | 'ERR_WEBRTC';

/** Frames, bytes and drops by reason on one link. */
export interface LinkCounters {
  framesIn: number;
  bytesIn: number;
  framesOut: number;
  bytesOut: number;
  /** Outgoing frames not sent: `notOpen`, `bufferFull`, `badLength`, `sendError`, `injectedLoss`. */
  dropped: Record<string, number>;
  /** Incoming messages dropped: `runt`, `tooLong`, `badControl`. The link stays up. */
  badIn: Record<string, number>;
}

/** Options of a link. */
export interface PeerLinkOptions {
  /** True on the side that makes the offer. */
  readonly initiator: boolean;
  readonly channelMode?: ChannelMode;
  /** Passed to RTCPeerConnection; default none (simple-peer would add public STUN servers). */
  readonly iceServers?: readonly unknown[];
  /** WebRTC implementation for Node (`nodeWrtc`); the browser's own when absent. */
  readonly wrtc?: WrtcImplementation;
  readonly maxBufferedBytes?: number;
  readonly connectTimeoutMs?: number;
  /** Clock for RTT, in milliseconds. */
  readonly now?: () => number;
  /** Test and bench only: the fraction (0 to 1) of outgoing frames dropped on purpose and counted
   * as `injectedLoss`, to see how guests cope with a lossy link. Default 0. */
  readonly lossRate?: number;
  /** Random source for `lossRate`, values in [0, 1); default Math.random. */
  readonly lossRandom?: () => number;
}

/** Events of a link. */
export interface PeerLinkEvents {
  /** Signal data to relay to the other side (offer, answer, candidate). */
  signal: JsonObject;
  open: void;
  frame: Uint8Array;
  rtt: number;
  /** The link is gone: `code` null for a local, deliberate close. */
  close: { code: string | null; message: string };
}

/** Error with a stable code. */
export function linkError(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}

// The parts of simple-peer (and of the data channel under it) a link uses.
interface Channel {
  readonly readyState: string;
  readonly bufferedAmount: number;
  send(data: Uint8Array | string): void;
}
interface Peer {
  _channel: Channel | null;
  _onChannelMessage: (event: { data: unknown }) => void;
  signal(data: unknown): void;
  destroy(err?: Error): void;
  on(event: string, listener: (...args: never[]) => void): void;
}

/** One simple-peer connection carrying Ethernet frames, with drop-and-count backpressure and RTT pings. */
export class PeerLink extends Emitter<PeerLinkEvents> {
  state: LinkState = 'connecting';
  /** Latest round trip time in milliseconds, or null before the first pong. */
  rttMs: number | null = null;
  readonly counters: LinkCounters = { framesIn: 0, bytesIn: 0, framesOut: 0, bytesOut: 0, dropped: {}, badIn: {} };
  private readonly peer: Peer;
  private injectedLossRate = 0;
  private readonly lossRandom: () => number;
  private readonly maxBufferedBytes: number;
  private readonly now: () => number;
  private readonly pings = new Map<number, number>();
  private pingSeq = 0;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: PeerLinkOptions) {
    super();
    this.maxBufferedBytes = options.maxBufferedBytes ?? MAX_BUFFERED_BYTES;
    this.now = options.now ?? (() => performance.now());
    this.lossRandom = options.lossRandom ?? Math.random;
    this.lossRate = options.lossRate ?? 0;
    const unordered = (options.channelMode ?? DEFAULT_CHANNEL_MODE) === 'unordered';
    const peer = new SimplePeer({
      initiator: options.initiator,
      trickle: true,
      config: { iceServers: [...(options.iceServers ?? [])] as RTCIceServer[] },
      // Only the initiator's channel config counts: the answerer takes the channel it is offered.
      channelConfig: unordered ? { ordered: false, maxRetransmits: 0 } : {},
      wrtc: options.wrtc as SimplePeer.Options['wrtc'],
    }) as unknown as Peer;
    this.peer = peer;
    // simple-peer pushes channel messages into a byte stream, which merges text into binary; a
    // link needs each message whole and its kind, so it takes them before the stream does.
    peer._onChannelMessage = (event) => this.onMessage(event.data);
    peer.on('signal', (data: JsonObject) => this.state !== 'closed' && this.emit('signal', data));
    peer.on('connect', () => this.onConnect());
    peer.on('error', (err: Error & { code?: string }) => this.destroy(linkError(err.code ?? 'ERR_WEBRTC', err.message)));
    peer.on('close', () => this.destroy(linkError('ERR_LINK_CLOSED', 'the data channel closed')));
    this.connectTimer = setTimeout(
      () => this.destroy(linkError('ERR_CONNECT_TIMEOUT', 'no connection in time')),
      options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
    );
  }

  /** Feeds signal data from the other side; bad data closes the link with ERR_BAD_SIGNAL. */
  signal(data: JsonObject): void {
    if (this.state === 'closed') return;
    try {
      this.peer.signal(data);
    } catch (err) {
      this.destroy(linkError('ERR_BAD_SIGNAL', (err as Error).message));
    }
  }

  /** Sends one Ethernet frame; returns false (and counts why) when it was dropped instead. */
  sendFrame(frame: Uint8Array): boolean {
    if (!(frame instanceof Uint8Array)) throw Object.assign(new TypeError('frame must be a Uint8Array'), { code: 'ERR_BAD_FRAME' });
    const channel = this.peer._channel;
    if (this.state !== 'open' || !channel || channel.readyState !== 'open') return this.drop('notOpen');
    if (frame.length < ETHERNET_HEADER_BYTES || frame.length > MAX_FRAME_BYTES) return this.drop('badLength');
    if (this.injectedLossRate > 0 && this.lossRandom() < this.injectedLossRate) return this.drop('injectedLoss');
    if (channel.bufferedAmount + frame.length > this.maxBufferedBytes) return this.drop('bufferFull');
    try {
      channel.send(frame);
    } catch {
      // The channel closed under us; its close event will end the link.
      return this.drop('sendError');
    }
    this.counters.framesOut++;
    this.counters.bytesOut += frame.length;
    return true;
  }

  /** Sends an RTT ping (a text message, never a frame); the answer updates `rttMs` and emits `rtt`. */
  ping(): void {
    const channel = this.peer._channel;
    if (this.state !== 'open' || !channel || channel.readyState !== 'open') return;
    const seq = ++this.pingSeq;
    this.pings.set(seq, this.now());
    if (this.pings.size > MAX_PINGS_IN_FLIGHT) this.pings.delete(this.pings.keys().next().value!);
    this.sendControl({ type: 'ping', seq });
  }

  /** Ends the link; without `err` it is a deliberate local close (close code null). Idempotent. */
  destroy(err?: Error & { code?: string }): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.connectTimer);
    this.pings.clear();
    this.peer.destroy();
    this.emit('close', err ? { code: err.code ?? 'ERR_WEBRTC', message: err.message } : { code: null, message: 'closed' });
  }

  /** Sends one message as is, bypassing every check: for tests of the receiver's input checks. */
  sendRaw(data: Uint8Array | string): void {
    this.peer._channel?.send(data);
  }

  /** Test and bench only: the fraction of outgoing frames dropped on purpose (see PeerLinkOptions). */
  get lossRate(): number {
    return this.injectedLossRate;
  }

  /** Changes the injected loss on a live link; throws RangeError ERR_BAD_LOSS_RATE outside 0 to 1. */
  set lossRate(rate: number) {
    if (!(rate >= 0 && rate <= 1)) throw Object.assign(new RangeError(`lossRate must be between 0 and 1, not ${rate}`), { code: 'ERR_BAD_LOSS_RATE' });
    this.injectedLossRate = rate;
  }

  /** Bytes queued in the data channel right now. */
  get bufferedAmount(): number {
    return this.peer._channel?.bufferedAmount ?? 0;
  }

  private onConnect(): void {
    if (this.state !== 'connecting') return;
    clearTimeout(this.connectTimer);
    this.state = 'open';
    this.emit('open', undefined);
  }

  private onMessage(data: unknown): void {
    if (this.state === 'closed') return;
    if (typeof data === 'string') return this.onControl(data);
    const frame = data instanceof ArrayBuffer ? new Uint8Array(data) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null;
    if (!frame) return this.bad('badControl');
    if (frame.length < ETHERNET_HEADER_BYTES) return this.bad('runt');
    if (frame.length > MAX_FRAME_BYTES) return this.bad('tooLong');
    this.counters.framesIn++;
    this.counters.bytesIn += frame.length;
    this.emit('frame', frame);
  }

  // Control messages: {"type":"ping","seq":n} answered by {"type":"pong","seq":n}. Anything else
  // is counted and dropped; the link stays up.
  private onControl(text: string): void {
    if (text.length > MAX_CONTROL_BYTES) return this.bad('badControl');
    let m: unknown;
    try {
      m = JSON.parse(text);
    } catch {
      return this.bad('badControl');
    }
    if (typeof m !== 'object' || m === null) return this.bad('badControl');
    const { type, seq } = m as { type?: unknown; seq?: unknown };
    if (!Number.isSafeInteger(seq) || (seq as number) < 1) return this.bad('badControl');
    if (type === 'ping') return this.sendControl({ type: 'pong', seq: seq as number });
    if (type !== 'pong') return this.bad('badControl');
    const sentAt = this.pings.get(seq as number);
    if (sentAt === undefined) return this.bad('unmatchedPong');
    this.pings.delete(seq as number);
    this.rttMs = this.now() - sentAt;
    this.emit('rtt', this.rttMs);
  }

  private sendControl(message: { type: 'ping' | 'pong'; seq: number }): void {
    try {
      this.peer._channel?.send(JSON.stringify(message));
    } catch {
      // closing; the close event ends the link
    }
  }

  private drop(reason: string): false {
    this.counters.dropped[reason] = (this.counters.dropped[reason] ?? 0) + 1;
    return false;
  }

  private bad(reason: string): void {
    this.counters.badIn[reason] = (this.counters.badIn[reason] ?? 0) + 1;
  }
}
