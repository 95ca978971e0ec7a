// IPv4 headers, addresses and the Internet checksum (RFC 791, RFC 1071).

import { badAddress, fail, ok, type WireResult } from './wire-result.ts';

/** A header without options. */
export const IPV4_HEADER_BYTES = 20;
/** Largest header: IHL 15 words. */
export const IPV4_MAX_HEADER_BYTES = 60;
/** Time to live we send with, in hops (Linux's default). */
export const DEFAULT_TTL_HOPS = 64;
/** Protocol number of ICMP. */
export const IPPROTO_ICMP = 1;
/** Protocol number of TCP. */
export const IPPROTO_TCP = 6;
/** Protocol number of UDP. */
export const IPPROTO_UDP = 17;

/** An IPv4 packet; `payload` ends where the header's total length says, not where the frame does. */
export interface Ipv4Packet {
  /** Type of service byte (DSCP and ECN). */
  readonly tos: number;
  readonly identification: number;
  readonly dontFragment: boolean;
  readonly moreFragments: boolean;
  /** Offset of this fragment's data, in bytes (the wire field is in 8-byte units). */
  readonly fragmentOffsetBytes: number;
  readonly ttl: number;
  readonly protocol: number;
  readonly src: string;
  readonly dst: string;
  readonly options: Uint8Array;
  readonly payload: Uint8Array;
}

/** What serializeIpv4 needs; the rest defaults (TTL 64, id 0, no fragmentation flags, no options). */
export interface Ipv4Fields {
  readonly src: string;
  readonly dst: string;
  readonly protocol: number;
  readonly payload: Uint8Array;
  readonly ttl?: number;
  readonly tos?: number;
  readonly identification?: number;
  readonly dontFragment?: boolean;
}

const IP_TEXT = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parses dotted-quad text into 4 bytes, or ERR_BAD_ADDRESS. */
export function parseIp(text: string): WireResult<Uint8Array> {
  const m = IP_TEXT.exec(text);
  if (!m) return fail('ERR_BAD_ADDRESS');
  const bytes = m.slice(1).map(Number);
  if (bytes.some((b) => b > 255)) return fail('ERR_BAD_ADDRESS');
  return ok(Uint8Array.from(bytes));
}

/** Parses an IPv4 address the caller vouches for; throws a TypeError with code ERR_BAD_ADDRESS otherwise. */
export function ipBytes(text: string): Uint8Array {
  const r = parseIp(text);
  if (!r.ok) throw badAddress(text);
  return r.value;
}

/** Formats the 4 bytes at `offset` as dotted-quad text. */
export function formatIp(bytes: Uint8Array, offset = 0): string {
  return `${bytes[offset] ?? 0}.${bytes[offset + 1] ?? 0}.${bytes[offset + 2] ?? 0}.${bytes[offset + 3] ?? 0}`;
}

/** The address as an unsigned 32-bit number (for masks and comparisons); throws ERR_BAD_ADDRESS on bad text. */
export function ipToNumber(text: string): number {
  const b = ipBytes(text);
  return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
}

/** The dotted-quad text of an unsigned 32-bit number. */
export function numberToIp(n: number): string {
  return `${(n >>> 24) & 0xff}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
}

/**
 * Internet checksum of `data[start, end)` (ones' complement of the ones' complement sum),
 * starting from `initialSum` (for example a pseudoHeaderSum); a correct packet sums to 0.
 */
export function internetChecksum(data: Uint8Array, initialSum = 0, start = 0, end = data.length): number {
  let sum = initialSum;
  let i = start;
  for (; i + 1 < end; i += 2) sum += (data[i] << 8) | data[i + 1];
  if (i < end) sum += data[i] << 8; // odd length: pad with a zero byte
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/** The unfolded sum of the TCP/UDP pseudo-header, to pass as internetChecksum's initialSum. */
export function pseudoHeaderSum(src: string, dst: string, protocol: number, length: number): number {
  const s = ipBytes(src);
  const d = ipBytes(dst);
  return ((s[0] << 8) | s[1]) + ((s[2] << 8) | s[3]) + ((d[0] << 8) | d[1]) + ((d[2] << 8) | d[3]) + protocol + length;
}

/** Parses an IPv4 packet (checking version, lengths and header checksum); trailing padding is ignored. */
export function parseIpv4(bytes: Uint8Array): WireResult<Ipv4Packet> {
  if (bytes.length < IPV4_HEADER_BYTES) return fail('ERR_TRUNCATED');
  if (bytes[0] >>> 4 !== 4) return fail('ERR_BAD_VERSION');
  const headerBytes = (bytes[0] & 0x0f) * 4;
  const totalLength = (bytes[2] << 8) | bytes[3];
  if (headerBytes < IPV4_HEADER_BYTES || totalLength < headerBytes) return fail('ERR_BAD_LENGTH');
  if (bytes.length < totalLength) return fail('ERR_TRUNCATED');
  if (internetChecksum(bytes, 0, 0, headerBytes) !== 0) return fail('ERR_BAD_CHECKSUM');
  const flags = bytes[6];
  return ok({
    tos: bytes[1],
    identification: (bytes[4] << 8) | bytes[5],
    dontFragment: (flags & 0x40) !== 0,
    moreFragments: (flags & 0x20) !== 0,
    fragmentOffsetBytes: (((flags & 0x1f) << 8) | bytes[7]) * 8,
    ttl: bytes[8],
    protocol: bytes[9],
    src: formatIp(bytes, 12),
    dst: formatIp(bytes, 16),
    options: bytes.subarray(IPV4_HEADER_BYTES, headerBytes),
    payload: bytes.subarray(headerBytes, totalLength),
  });
}

/** Serializes an IPv4 packet with a 20-byte header and its checksum; throws ERR_BAD_ADDRESS on bad addresses. */
export function serializeIpv4(p: Ipv4Fields): Uint8Array {
  const total = IPV4_HEADER_BYTES + p.payload.length;
  if (total > 0xffff) throw Object.assign(new RangeError(`IPv4 packet of ${total} bytes`), { code: 'ERR_BAD_LENGTH' });
  const out = new Uint8Array(total);
  const id = p.identification ?? 0;
  out[0] = 0x45;
  out[1] = p.tos ?? 0;
  out[2] = total >>> 8;
  out[3] = total & 0xff;
  out[4] = id >>> 8;
  out[5] = id & 0xff;
  out[6] = p.dontFragment ? 0x40 : 0;
  out[8] = p.ttl ?? DEFAULT_TTL_HOPS;
  out[9] = p.protocol;
  out.set(ipBytes(p.src), 12);
  out.set(ipBytes(p.dst), 16);
  const checksum = internetChecksum(out, 0, 0, IPV4_HEADER_BYTES);
  out[10] = checksum >>> 8;
  out[11] = checksum & 0xff;
  out.set(p.payload, IPV4_HEADER_BYTES);
  return out;
}
