// Identifiers the signaling protocol carries: room ids, peer ids, resume tokens, MACs, addresses.
// Pure TypeScript: Web Crypto's getRandomValues is a global in pages, workers and Node 20.

/** The alphabet of room ids, peer ids and resume tokens (base64url, so links need no escaping). */
export const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Shortest accepted room id: 16 characters of a 64-letter alphabet are 96 bits. */
export const ROOM_ID_MIN_LENGTH = 16;
/** Longest accepted room id, peer id or resume token. */
export const ID_MAX_LENGTH = 64;
/** Length of a room id made by `createRoomId` (132 bits). */
export const ROOM_ID_LENGTH = 22;
/** Shortest accepted peer id (a client may bring its own). */
export const PEER_ID_MIN_LENGTH = 8;
/** Length of a server-made peer id (120 bits). */
export const PEER_ID_LENGTH = 20;
/** Length of a resume token (192 bits). */
export const RESUME_TOKEN_LENGTH = 32;

/** The room's subnet: every room is its own `10.0.2.0/24`. */
export const ROOM_SUBNET = '10.0.2.0/24';
/** The prefix every leased address shares. */
export const ROOM_NET_PREFIX = '10.0.2.';
/** The gateway's address; no VM ever gets it. */
export const GATEWAY_IP = '10.0.2.1';
/** First host number a VM may lease (.0 is the network, .1 the gateway). */
export const FIRST_VM_HOST = 2;
/** Last host number a VM may lease (.255 is broadcast). */
export const LAST_VM_HOST = 254;

const ID_RE = /^[A-Za-z0-9_-]+$/;
const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const IP_RE = /^10\.0\.2\.(\d{1,3})$/;

/** True when `s` is a well-formed room id (length and alphabet). */
export function isRoomId(s: unknown): s is string {
  return typeof s === 'string' && s.length >= ROOM_ID_MIN_LENGTH && s.length <= ID_MAX_LENGTH && ID_RE.test(s);
}

/** True when `s` is a well-formed peer id. */
export function isPeerId(s: unknown): s is string {
  return typeof s === 'string' && s.length >= PEER_ID_MIN_LENGTH && s.length <= ID_MAX_LENGTH && ID_RE.test(s);
}

/** True when `s` is a well-formed resume token. */
export function isResumeToken(s: unknown): s is string {
  return typeof s === 'string' && s.length === RESUME_TOKEN_LENGTH && ID_RE.test(s);
}

/** Returns `length` random characters of ID_ALPHABET (uniform: 256 is a multiple of 64). */
export function createRandomId(length: number): string {
  const bytes = new Uint8Array(length);
  globalThis.crypto.getRandomValues(bytes);
  let out = '';
  for (const b of bytes) out += ID_ALPHABET[b & 63];
  return out;
}

/** Returns a fresh unguessable room id for a new room link. */
export function createRoomId(): string {
  return createRandomId(ROOM_ID_LENGTH);
}

/** Returns the room link for `roomId` under `origin` (`<origin>/#/room/<roomId>`). */
export function roomLink(origin: string, roomId: string): string {
  return `${origin.replace(/\/+$/, '')}/#/room/${roomId}`;
}

/** Extracts a valid room id from a location hash such as `#/room/<roomId>`, else undefined. */
export function roomIdFromHash(hash: string): string | undefined {
  const m = /^#\/room\/([^/?#]+)$/.exec(hash);
  return m && isRoomId(m[1]) ? m[1] : undefined;
}

/** Normalises a MAC to lowercase `aa:bb:cc:dd:ee:ff`, or undefined if it is malformed. */
export function normalizeMac(s: unknown): string | undefined {
  if (typeof s !== 'string' || s.length !== 17) return undefined;
  const mac = s.toLowerCase();
  return MAC_RE.test(mac) ? mac : undefined;
}

/** True when `mac` (normalised) can own a port: not multicast/broadcast and not all zeros. */
export function isUnicastMac(mac: string): boolean {
  const first = parseInt(mac.slice(0, 2), 16);
  return (first & 1) === 0 && mac !== '00:00:00:00:00:00';
}

/** True when `s` is an address the server may lease in a room (.1 to .254). */
export function isRoomIp(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  const m = IP_RE.exec(s);
  if (!m || (m[1].length > 1 && m[1].startsWith('0'))) return false;
  const host = Number(m[1]);
  return host >= 1 && host <= LAST_VM_HOST;
}
