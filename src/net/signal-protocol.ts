// The signaling protocol (docs/protocol.md): message types and the one parse function per
// direction. Pure TypeScript, shared by the server, the page, workers and the Node gateway.
// Parsers never throw: they return a typed message or a coded error, and copy only known
// fields, so nothing a sender adds is ever relayed.
import { isPeerId, isResumeToken, isRoomId, isRoomIp, isUnicastMac, normalizeMac } from './signal-ids.ts';

/** Protocol version; `welcome.version` carries it, docs/protocol.md describes it. */
export const PROTOCOL_VERSION = 1;

/** Deepest nesting accepted in signal data; SDP and candidate objects are 2 deep, and a deeper
 * value could overflow the stack of a recursive JSON.stringify when it is relayed. */
export const MAX_DATA_DEPTH = 16;

/** Every error code the server sends in `error {code}`, also used by the parsers. */
export const SIGNAL_ERROR_CODES = [
  'ERR_BAD_JSON',
  'ERR_BAD_MESSAGE',
  'ERR_UNKNOWN_TYPE',
  'ERR_BINARY',
  'ERR_BAD_ROOM',
  'ERR_BAD_MAC',
  'ERR_NOT_JOINED',
  'ERR_ALREADY_JOINED',
  'ERR_UNKNOWN_PEER',
  'ERR_PEER_UNAVAILABLE',
  'ERR_PEER_ID_TAKEN',
  'ERR_MAC_IN_USE',
  'ERR_ROOM_FULL',
  'ERR_TOO_MANY_ROOMS',
  'ERR_GATEWAY_PRESENT',
  'ERR_RATE_LIMITED',
  'ERR_INTERNAL',
] as const;

/** A coded protocol error. */
export type SignalErrorCode = (typeof SIGNAL_ERROR_CODES)[number];

/** What a peer is: a browser VM or the room's gateway. */
export type PeerKind = 'vm' | 'gateway';

/** A member of a room as others see it; `mac` is null until the member announces one. */
export interface PeerInfo {
  readonly peerId: string;
  readonly ip: string;
  readonly mac: string | null;
  readonly kind: PeerKind;
}

/** An ICE server entry, passed to RTCPeerConnection as is. */
export interface IceServer {
  readonly urls: string | readonly string[];
  readonly username?: string;
  readonly credential?: string;
}

/** Any JSON object; signal payloads are opaque to the server. */
export type JsonObject = { readonly [key: string]: unknown };

/** Messages a client sends. */
export type ClientMessage =
  | { readonly type: 'join'; readonly room: string; readonly kind: PeerKind; readonly peerId?: string; readonly resume?: string }
  | { readonly type: 'signal'; readonly to: string; readonly data: JsonObject }
  | { readonly type: 'announce'; readonly mac: string }
  | { readonly type: 'ping' };

/** The server's answer to a successful join. */
export interface WelcomeMessage {
  readonly type: 'welcome';
  readonly version: number;
  readonly peerId: string;
  readonly ip: string;
  readonly kind: PeerKind;
  /** Secret that lets this peer, and only it, resume `peerId` (and its address) after a drop. */
  readonly resumeToken: string;
  /** True when this join took over a held peer: same `peerId`, same `ip`. */
  readonly resumed: boolean;
  readonly peers: readonly PeerInfo[];
  readonly iceServers: readonly IceServer[];
  readonly mtu: number;
}

/** Messages the server sends. */
export type ServerMessage =
  | WelcomeMessage
  | ({ readonly type: 'peer-joined' } & PeerInfo)
  | { readonly type: 'peer-left'; readonly peerId: string }
  | { readonly type: 'peer-announced'; readonly peerId: string; readonly mac: string }
  | { readonly type: 'signal'; readonly from: string; readonly data: JsonObject }
  | { readonly type: 'pong' }
  | { readonly type: 'error'; readonly code: SignalErrorCode; readonly message: string };

/** A parser's result: the typed message, or a coded error saying what was wrong. */
export type ParseResult<T> =
  | { readonly ok: true; readonly message: T }
  | { readonly ok: false; readonly code: SignalErrorCode; readonly message: string };

type Fields = Record<string, unknown>;

const fail = (code: SignalErrorCode, message: string): ParseResult<never> => ({ ok: false, code, message });
const bad = (field: string, want: string): ParseResult<never> => fail('ERR_BAD_MESSAGE', `${field}: expected ${want}`);
const ok = <T>(message: T): ParseResult<T> => ({ ok: true, message });

function isObject(v: unknown): v is Fields {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// Iterative, so a hostile 30000-deep value cannot overflow the stack here either.
function depthWithin(root: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > max) return false;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return true;
}

function isSignalData(v: unknown): v is JsonObject {
  return isObject(v) && depthWithin(v, MAX_DATA_DEPTH);
}

function isKind(v: unknown): v is PeerKind {
  return v === 'vm' || v === 'gateway';
}

// JSON.parse builds prototype-less data, but `__proto__` as an own key would still surprise
// code that spreads it; reading fields by name off a plain record is all we ever do.
function parseJsonObject(text: unknown): ParseResult<Fields> {
  if (typeof text !== 'string') return fail('ERR_BAD_JSON', 'message is not text');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail('ERR_BAD_JSON', 'message is not valid JSON');
  }
  if (!isObject(value)) return fail('ERR_BAD_MESSAGE', 'message: expected a JSON object');
  if (typeof value.type !== 'string') return bad('type', 'a string');
  return ok(value);
}

/** Parses and validates one client-to-server message; never throws. */
export function parseClientMessage(text: unknown): ParseResult<ClientMessage> {
  const parsed = parseJsonObject(text);
  if (!parsed.ok) return parsed;
  const m = parsed.message;
  switch (m.type) {
    case 'join': {
      if (typeof m.room !== 'string') return bad('room', 'a string');
      if (!isRoomId(m.room)) return fail('ERR_BAD_ROOM', 'room: expected 16 to 64 characters of [A-Za-z0-9_-]');
      if (!isKind(m.kind)) return bad('kind', '"vm" or "gateway"');
      if (m.peerId !== undefined && !isPeerId(m.peerId)) return bad('peerId', '8 to 64 characters of [A-Za-z0-9_-]');
      if (m.resume !== undefined) {
        if (!isResumeToken(m.resume)) return bad('resume', 'a resume token from welcome');
        if (m.peerId === undefined) return bad('peerId', 'a peerId together with resume');
      }
      const join: ClientMessage = { type: 'join', room: m.room, kind: m.kind };
      if (m.peerId === undefined) return ok(join);
      return ok(m.resume === undefined ? { ...join, peerId: m.peerId } : { ...join, peerId: m.peerId, resume: m.resume });
    }
    case 'signal':
      if (!isPeerId(m.to)) return bad('to', 'a peer id');
      if (!isSignalData(m.data)) return bad('data', `a JSON object nested at most ${MAX_DATA_DEPTH} deep`);
      return ok({ type: 'signal', to: m.to, data: m.data });
    case 'announce': {
      const mac = normalizeMac(m.mac);
      if (mac === undefined) return fail('ERR_BAD_MAC', 'mac: expected aa:bb:cc:dd:ee:ff');
      if (!isUnicastMac(mac)) return fail('ERR_BAD_MAC', 'mac: multicast, broadcast and zero MACs cannot own a port');
      return ok({ type: 'announce', mac });
    }
    case 'ping':
      return ok({ type: 'ping' });
    default:
      return fail('ERR_UNKNOWN_TYPE', `type: unknown message type ${JSON.stringify(String(m.type).slice(0, 32))}`);
  }
}

function parsePeerInfo(v: unknown, field: string): ParseResult<PeerInfo> {
  if (!isObject(v)) return bad(field, 'a peer object');
  if (!isPeerId(v.peerId)) return bad(`${field}.peerId`, 'a peer id');
  if (!isRoomIp(v.ip)) return bad(`${field}.ip`, 'an address in 10.0.2.0/24');
  if (!isKind(v.kind)) return bad(`${field}.kind`, '"vm" or "gateway"');
  let mac: string | null = null;
  if (v.mac !== null) {
    const m = normalizeMac(v.mac);
    if (m === undefined) return bad(`${field}.mac`, 'a MAC or null');
    mac = m;
  }
  return ok({ peerId: v.peerId, ip: v.ip, mac, kind: v.kind });
}

function parseIceServers(v: unknown): ParseResult<IceServer[]> {
  if (!Array.isArray(v)) return bad('iceServers', 'an array');
  const out: IceServer[] = [];
  for (const [i, s] of v.entries()) {
    if (!isObject(s)) return bad(`iceServers[${i}]`, 'an object');
    const urls = s.urls;
    const urlsOk = typeof urls === 'string' || (Array.isArray(urls) && urls.every((u) => typeof u === 'string'));
    if (!urlsOk) return bad(`iceServers[${i}].urls`, 'a string or strings');
    if (s.username !== undefined && typeof s.username !== 'string') return bad(`iceServers[${i}].username`, 'a string');
    if (s.credential !== undefined && typeof s.credential !== 'string') return bad(`iceServers[${i}].credential`, 'a string');
    const entry: { urls: string | string[]; username?: string; credential?: string } = { urls: urls as string | string[] };
    if (s.username !== undefined) entry.username = s.username as string;
    if (s.credential !== undefined) entry.credential = s.credential as string;
    out.push(entry);
  }
  return ok(out);
}

function parseWelcome(m: Fields): ParseResult<WelcomeMessage> {
  if (m.version !== PROTOCOL_VERSION) return bad('version', `protocol version ${PROTOCOL_VERSION}`);
  if (!isPeerId(m.peerId)) return bad('peerId', 'a peer id');
  if (!isRoomIp(m.ip)) return bad('ip', 'an address in 10.0.2.0/24');
  if (!isKind(m.kind)) return bad('kind', '"vm" or "gateway"');
  if (!isResumeToken(m.resumeToken)) return bad('resumeToken', 'a resume token');
  if (typeof m.resumed !== 'boolean') return bad('resumed', 'a boolean');
  if (!Array.isArray(m.peers)) return bad('peers', 'an array');
  const peers: PeerInfo[] = [];
  for (const [i, p] of m.peers.entries()) {
    const r = parsePeerInfo(p, `peers[${i}]`);
    if (!r.ok) return r;
    peers.push(r.message);
  }
  const ice = parseIceServers(m.iceServers);
  if (!ice.ok) return ice;
  if (!Number.isInteger(m.mtu) || (m.mtu as number) < 68 || (m.mtu as number) > 9000) return bad('mtu', 'an integer 68 to 9000');
  return ok({
    type: 'welcome',
    version: PROTOCOL_VERSION,
    peerId: m.peerId,
    ip: m.ip,
    kind: m.kind,
    resumeToken: m.resumeToken,
    resumed: m.resumed,
    peers,
    iceServers: ice.message,
    mtu: m.mtu as number,
  });
}

/** Parses and validates one server-to-client message; never throws. */
export function parseServerMessage(text: unknown): ParseResult<ServerMessage> {
  const parsed = parseJsonObject(text);
  if (!parsed.ok) return parsed;
  const m = parsed.message;
  switch (m.type) {
    case 'welcome':
      return parseWelcome(m);
    case 'peer-joined': {
      const r = parsePeerInfo(m, 'peer');
      return r.ok ? ok({ type: 'peer-joined', ...r.message }) : r;
    }
    case 'peer-left':
      return isPeerId(m.peerId) ? ok({ type: 'peer-left', peerId: m.peerId }) : bad('peerId', 'a peer id');
    case 'peer-announced': {
      if (!isPeerId(m.peerId)) return bad('peerId', 'a peer id');
      const mac = normalizeMac(m.mac);
      return mac === undefined ? bad('mac', 'a MAC') : ok({ type: 'peer-announced', peerId: m.peerId, mac });
    }
    case 'signal':
      if (!isPeerId(m.from)) return bad('from', 'a peer id');
      if (!isSignalData(m.data)) return bad('data', `a JSON object nested at most ${MAX_DATA_DEPTH} deep`);
      return ok({ type: 'signal', from: m.from, data: m.data });
    case 'pong':
      return ok({ type: 'pong' });
    case 'error':
      if (!(SIGNAL_ERROR_CODES as readonly unknown[]).includes(m.code)) return bad('code', 'a known error code');
      if (typeof m.message !== 'string') return bad('message', 'a string');
      return ok({ type: 'error', code: m.code as SignalErrorCode, message: m.message });
    default:
      return fail('ERR_UNKNOWN_TYPE', `type: unknown message type ${JSON.stringify(String(m.type).slice(0, 32))}`);
  }
}

/** Serialises a message for the wire (one JSON text). */
export function encodeMessage(message: ClientMessage | ServerMessage): string {
  return JSON.stringify(message);
}
