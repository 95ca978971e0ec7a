// Ethernet MAC addresses: text form `aa:bb:cc:dd:ee:ff`, bytes, and a numeric key for tables.

import { badAddress, fail, ok, type WireResult } from './wire-result.ts';

/** Bytes in a MAC address. */
export const MAC_BYTES = 6;
/** The broadcast address. */
export const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';

const MAC_TEXT = /^([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})$/i;

/** Parses `aa:bb:cc:dd:ee:ff` (or with `-`, any case) into 6 bytes, or ERR_BAD_ADDRESS. */
export function parseMac(text: string): WireResult<Uint8Array> {
  const m = MAC_TEXT.exec(text);
  if (!m) return fail('ERR_BAD_ADDRESS');
  return ok(Uint8Array.from(m.slice(1), (h) => parseInt(h, 16)));
}

/** Parses a MAC the caller vouches for; throws a TypeError with code ERR_BAD_ADDRESS if it is not one. */
export function macBytes(text: string): Uint8Array {
  const r = parseMac(text);
  if (!r.ok) throw badAddress(text);
  return r.value;
}

/** Formats the 6 bytes at `offset` as lower-case `aa:bb:cc:dd:ee:ff`. */
export function formatMac(bytes: Uint8Array, offset = 0): string {
  let s = '';
  for (let i = 0; i < MAC_BYTES; i++) s += (i ? ':' : '') + (bytes[offset + i] ?? 0).toString(16).padStart(2, '0');
  return s;
}

/** True if the MAC at `offset` is ff:ff:ff:ff:ff:ff. */
export function isBroadcastMac(bytes: Uint8Array, offset = 0): boolean {
  for (let i = 0; i < MAC_BYTES; i++) if (bytes[offset + i] !== 0xff) return false;
  return true;
}

/** True if the MAC at `offset` has the group bit set (multicast, which includes broadcast). */
export function isMulticastMac(bytes: Uint8Array, offset = 0): boolean {
  return (bytes[offset] & 0x01) !== 0;
}

/** The MAC at `offset` as one exact integer below 2^48, a cheap key for MAC tables. */
export function macKey(bytes: Uint8Array, offset = 0): number {
  const hi = (bytes[offset] << 8) | bytes[offset + 1];
  const lo = ((bytes[offset + 2] << 24) | (bytes[offset + 3] << 16) | (bytes[offset + 4] << 8) | bytes[offset + 5]) >>> 0;
  return hi * 0x1_0000_0000 + lo;
}

/**
 * A random locally administered unicast MAC; `fill` fills its argument with random bytes
 * (for example `(b) => crypto.getRandomValues(b)`).
 */
export function randomMac(fill: (bytes: Uint8Array) => unknown): string {
  const b = new Uint8Array(MAC_BYTES);
  fill(b);
  // Bit 1 set: locally administered (never collides with a vendor's address); bit 0 clear: unicast.
  b[0] = (b[0] & 0xfc) | 0x02;
  return formatMac(b);
}
