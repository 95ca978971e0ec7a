// Every limit of the signaling server is an option with an explicit default.
import type { Server } from 'node:http';
import type { IceServer } from '../src/net/signal-protocol.ts';
import type { LogSink } from './log.ts';

/** Largest accepted WebSocket message; bigger ones close the socket with 1009. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;
/** Members per room, counting peers held for resume. */
export const MAX_PEERS_PER_ROOM = 64;
/** Rooms held at once. */
export const MAX_ROOMS = 10_000;
/** Open WebSocket connections; upgrades beyond it get HTTP 503. */
export const MAX_CONNECTIONS = 20_000;
/** Sustained messages per second per connection. */
export const MAX_MESSAGES_PER_SECOND = 100;
/** Messages a connection may send in one burst (a join answered by offers and candidates). */
export const MESSAGE_BURST = 200;
/** Server heartbeat period; a client that misses two pings in a row is dropped. */
export const HEARTBEAT_INTERVAL_MS = 15_000;
/** How long a dropped peer keeps its id and address for a resume. */
export const RESUME_GRACE_MS = 30_000;
/** Signals held for a peer in its grace period, delivered when it resumes. */
export const MAX_PENDING_SIGNALS = 64;
/** Bytes queued towards one client before it counts as too slow and is closed with 1013. */
export const MAX_BUFFERED_BYTES = 1024 * 1024;
/** The MTU every welcome carries. */
export const DEFAULT_MTU = 1500;
/** The WebSocket path on the HTTP server. */
export const SIGNAL_PATH = '/signal';

/** Options of `createSignalingServer`; all are optional. */
export interface SignalingOptions {
  /** Attach to this HTTP server instead of creating one (it then serves the app too). */
  server?: Server;
  path?: string;
  maxPayload?: number;
  maxPeersPerRoom?: number;
  maxRooms?: number;
  maxConnections?: number;
  maxMessagesPerSecond?: number;
  messageBurst?: number;
  heartbeatIntervalMs?: number;
  resumeGraceMs?: number;
  maxPendingSignals?: number;
  maxBufferedBytes?: number;
  mtu?: number;
  iceServers?: IceServer[];
  /** `false` silences the log; a function receives each line instead of stdout. */
  log?: boolean | LogSink;
  /** Clock for rate limits, in ms; tests pass a fake one. */
  now?: () => number;
}

/** Options with every default filled in. */
export type ResolvedOptions = Required<Omit<SignalingOptions, 'server' | 'log'>> & Pick<SignalingOptions, 'server' | 'log'>;

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v <= 0) {
    throw Object.assign(new RangeError(`${name} must be a positive integer, got ${v}`), { code: 'ERR_BAD_OPTION' });
  }
  return v;
}

/** Fills in defaults and throws a RangeError (code ERR_BAD_OPTION) on a nonsensical limit. */
export function resolveOptions(o: SignalingOptions = {}): ResolvedOptions {
  const mtu = o.mtu ?? DEFAULT_MTU;
  if (!Number.isInteger(mtu) || mtu < 68 || mtu > 9000) {
    throw Object.assign(new RangeError(`mtu must be 68 to 9000, got ${mtu}`), { code: 'ERR_BAD_OPTION' });
  }
  return {
    server: o.server,
    log: o.log,
    path: o.path ?? SIGNAL_PATH,
    maxPayload: positiveInt('maxPayload', o.maxPayload ?? MAX_PAYLOAD_BYTES),
    maxPeersPerRoom: positiveInt('maxPeersPerRoom', o.maxPeersPerRoom ?? MAX_PEERS_PER_ROOM),
    maxRooms: positiveInt('maxRooms', o.maxRooms ?? MAX_ROOMS),
    maxConnections: positiveInt('maxConnections', o.maxConnections ?? MAX_CONNECTIONS),
    maxMessagesPerSecond: positiveInt('maxMessagesPerSecond', o.maxMessagesPerSecond ?? MAX_MESSAGES_PER_SECOND),
    messageBurst: positiveInt('messageBurst', o.messageBurst ?? MESSAGE_BURST),
    heartbeatIntervalMs: positiveInt('heartbeatIntervalMs', o.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS),
    resumeGraceMs: positiveInt('resumeGraceMs', o.resumeGraceMs ?? RESUME_GRACE_MS),
    maxPendingSignals: positiveInt('maxPendingSignals', o.maxPendingSignals ?? MAX_PENDING_SIGNALS),
    maxBufferedBytes: positiveInt('maxBufferedBytes', o.maxBufferedBytes ?? MAX_BUFFERED_BYTES),
    mtu,
    iceServers: o.iceServers ?? [],
    now: o.now ?? Date.now,
  };
}
