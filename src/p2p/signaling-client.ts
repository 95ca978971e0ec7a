// The signaling client for pages, workers and Node: joins a room, relays signals, and after a
// drop reconnects with backoff and resumes the same peer id (and so the same address).
// No Node imports: Node callers pass `WebSocket` from `ws` as an option.
import type { JsonObject, PeerInfo, PeerKind, SignalErrorCode, WelcomeMessage } from '../net/signal-protocol.ts';
import { isRoomId } from '../net/signal-ids.ts';
import { encodeMessage, parseServerMessage } from '../net/signal-protocol.ts';
import type { BackoffOptions } from './backoff.ts';
import { backoffDelayMs, DEFAULT_BACKOFF } from './backoff.ts';
import { Emitter } from './emitter.ts';

/** How often the client pings the server to notice a dead connection (page timers may stretch it). */
export const CLIENT_PING_INTERVAL_MS = 20_000;
/** How long a connection may take from opening the socket to the welcome. */
export const JOIN_TIMEOUT_MS = 10_000;
/** Close code the server uses when this peer was resumed on another connection. */
export const CLOSE_REPLACED = 4000;

// Join refusals that retrying cannot fix: the client stops instead of reconnecting.
const FATAL_JOIN_CODES: ReadonlySet<string> = new Set(['ERR_BAD_ROOM', 'ERR_GATEWAY_PRESENT', 'ERR_BAD_MESSAGE', 'ERR_UNKNOWN_TYPE']);

/** The part of a WebSocket the client uses; the browser's and `ws`'s both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: never) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: never) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** A WebSocket constructor: `globalThis.WebSocket` in a page, `ws`'s `WebSocket` in Node. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Options of a signaling client. */
export interface SignalingClientOptions {
  /** The server's WebSocket URL, e.g. `wss://host/signal`. */
  url: string;
  room: string;
  kind?: PeerKind;
  /** A peer id and resume token kept from an earlier welcome (say, across a page reload). */
  peerId?: string;
  resumeToken?: string;
  WebSocket?: WebSocketConstructor;
  backoff?: Partial<BackoffOptions>;
  /** 0 turns the client's own keepalive off. */
  pingIntervalMs?: number;
  joinTimeoutMs?: number;
  random?: () => number;
}

/** Where the client is: connecting (first time), joined, reconnecting, or closed for good. */
export type ClientState = 'connecting' | 'joined' | 'reconnecting' | 'closed';

/** Client-side error codes, besides the server's. */
export type ClientErrorCode = SignalErrorCode | 'ERR_BAD_SERVER_MESSAGE' | 'ERR_REPLACED';

/** Events of a signaling client and their payloads. */
export interface SignalingEvents {
  welcome: WelcomeMessage;
  'peer-joined': PeerInfo;
  'peer-left': { peerId: string };
  'peer-announced': { peerId: string; mac: string };
  signal: { from: string; data: JsonObject };
  error: { code: ClientErrorCode; message: string };
  state: ClientState;
  reconnecting: { attempt: number; delayMs: number };
  closed: { code: string; message: string };
}

/** A room membership that survives drops: typed events, `signal`, `announce`, `close`. */
export class SignalingClient extends Emitter<SignalingEvents> {
  state: ClientState = 'connecting';
  peerId: string | undefined;
  resumeToken: string | undefined;
  ip: string | undefined;
  /** The other members, by peer id, as of the latest messages. */
  readonly peers = new Map<string, PeerInfo>();
  private ws: WebSocketLike | null = null;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private joinTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private awaitingPong = false;
  private mac: string | undefined;
  private readonly backoff: BackoffOptions;
  private readonly Ws: WebSocketConstructor;

  constructor(private readonly options: SignalingClientOptions) {
    super();
    const Ws = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!Ws) throw Object.assign(new TypeError('no WebSocket: pass options.WebSocket'), { code: 'ERR_NO_WEBSOCKET' });
    if (!/^wss?:\/\/[^/]/.test(options.url)) {
      throw Object.assign(new TypeError(`url must be ws:// or wss://, got ${options.url}`), { code: 'ERR_BAD_URL' });
    }
    if (!isRoomId(options.room)) throw Object.assign(new TypeError('room is not a valid room id'), { code: 'ERR_BAD_ROOM' });
    this.Ws = Ws;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.peerId = options.peerId;
    this.resumeToken = options.resumeToken;
    queueMicrotask(() => this.open());
  }

  /** Sends signal data to a peer of the room; false when not joined right now (nothing is queued). */
  signal(to: string, data: JsonObject): boolean {
    return this.sendJoined(encodeMessage({ type: 'signal', to, data }));
  }

  /** Announces this peer's MAC to the room; it is re-announced after every reconnect. */
  announce(mac: string): void {
    this.mac = mac;
    this.sendJoined(encodeMessage({ type: 'announce', mac }));
  }

  /** Leaves the room for good (clean close: the server frees the address at once). */
  close(): void {
    this.finish('closed', 'closed by the caller', 1000);
  }

  private sendJoined(text: string): boolean {
    if (this.state !== 'joined' || !this.ws) return false;
    this.ws.send(text);
    return true;
  }

  private setState(state: ClientState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit('state', state);
  }

  private open(): void {
    if (this.state === 'closed') return;
    let ws: WebSocketLike;
    try {
      ws = new this.Ws(this.options.url);
    } catch {
      return this.drop(); // e.g. the page is offline in some browsers: try again later
    }
    this.ws = ws;
    this.awaitingPong = false;
    ws.onerror = () => {}; // the close that follows drives the retry
    ws.onopen = () => {
      const join = { type: 'join' as const, room: this.options.room, kind: this.options.kind ?? 'vm' };
      const resume = this.peerId && this.resumeToken ? { peerId: this.peerId, resume: this.resumeToken } : this.peerId ? { peerId: this.peerId } : {};
      ws.send(encodeMessage({ ...join, ...resume }));
    };
    ws.onmessage = (ev) => this.onMessage(ws, ev.data);
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      if (ev.code === CLOSE_REPLACED) return this.finish('ERR_REPLACED', 'this peer was resumed on another connection');
      this.drop();
    };
    this.joinTimer = setTimeout(() => this.ws === ws && this.drop(), this.options.joinTimeoutMs ?? JOIN_TIMEOUT_MS);
  }

  private onMessage(ws: WebSocketLike, data: unknown): void {
    if (this.ws !== ws) return;
    this.awaitingPong = false;
    const parsed = parseServerMessage(data);
    if (!parsed.ok) return this.emit('error', { code: 'ERR_BAD_SERVER_MESSAGE', message: `${parsed.code}: ${parsed.message}` });
    const m = parsed.message;
    switch (m.type) {
      case 'welcome':
        return this.onWelcome(m);
      case 'peer-joined': {
        const { type: _, ...peer } = m;
        this.peers.set(peer.peerId, peer);
        return this.emit('peer-joined', peer);
      }
      case 'peer-left':
        this.peers.delete(m.peerId);
        return this.emit('peer-left', { peerId: m.peerId });
      case 'peer-announced': {
        const peer = this.peers.get(m.peerId);
        if (peer) this.peers.set(m.peerId, { ...peer, mac: m.mac });
        return this.emit('peer-announced', { peerId: m.peerId, mac: m.mac });
      }
      case 'signal':
        return this.emit('signal', { from: m.from, data: m.data });
      case 'pong':
        return;
      case 'error':
        return this.onError(m.code, m.message);
    }
  }

  private onWelcome(w: WelcomeMessage): void {
    clearTimeout(this.joinTimer);
    const first = this.ip === undefined;
    this.peerId = w.peerId;
    this.resumeToken = w.resumeToken;
    this.ip = w.ip;
    this.attempt = 0;
    const before = new Map(this.peers);
    this.peers.clear();
    for (const p of w.peers) this.peers.set(p.peerId, p);
    this.setState('joined');
    this.startPing();
    if (this.mac !== undefined) this.ws?.send(encodeMessage({ type: 'announce', mac: this.mac }));
    this.emit('welcome', w);
    if (first) return;
    // After a reconnect, tell listeners what changed while we were away, as ordinary events.
    for (const id of before.keys()) if (!this.peers.has(id)) this.emit('peer-left', { peerId: id });
    for (const p of this.peers.values()) {
      const old = before.get(p.peerId);
      if (!old) this.emit('peer-joined', p);
      else if (p.mac !== null && p.mac !== old.mac) this.emit('peer-announced', { peerId: p.peerId, mac: p.mac });
    }
  }

  private onError(code: SignalErrorCode, message: string): void {
    this.emit('error', { code, message });
    if (this.state === 'joined') return; // an answer to one bad request; the membership goes on
    if (FATAL_JOIN_CODES.has(code)) return this.finish(code, message);
    if (code === 'ERR_PEER_ID_TAKEN') {
      // Our token is stale (another tab took it, or it was rotated): start over as a new peer.
      this.peerId = undefined;
      this.resumeToken = undefined;
    }
    this.drop();
  }

  private startPing(): void {
    clearInterval(this.pingTimer);
    const interval = this.options.pingIntervalMs ?? CLIENT_PING_INTERVAL_MS;
    if (interval <= 0) return;
    // Dead when a whole interval passed without a single message back; counting intervals, not
    // elapsed time, keeps a throttled background tab from calling a live connection dead.
    this.pingTimer = setInterval(() => {
      if (this.awaitingPong) return this.drop();
      this.awaitingPong = true;
      this.ws?.send(encodeMessage({ type: 'ping' }));
    }, interval);
  }

  private detach(code: number): void {
    clearTimeout(this.joinTimer);
    clearInterval(this.pingTimer);
    clearTimeout(this.retryTimer);
    const ws = this.ws;
    this.ws = null;
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onclose = null;
    try {
      ws.close(code);
    } catch {
      // closing a socket that never opened throws in some implementations; it is gone either way
    }
  }

  private drop(): void {
    if (this.state === 'closed') return;
    this.detach(4001);
    const delayMs = backoffDelayMs(this.attempt, this.backoff, this.options.random);
    this.emit('reconnecting', { attempt: this.attempt, delayMs });
    this.attempt++;
    this.setState('reconnecting');
    this.retryTimer = setTimeout(() => this.open(), delayMs);
  }

  private finish(code: string, message: string, closeCode = 4001): void {
    if (this.state === 'closed') return;
    this.detach(closeCode);
    this.setState('closed');
    this.emit('closed', { code, message });
  }
}
