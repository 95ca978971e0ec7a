// UDP datagrams (RFC 768), with the pseudo-header checksum.

import { internetChecksum, IPPROTO_UDP, pseudoHeaderSum } from './ipv4.ts';
import { fail, ok, type WireResult } from './wire-result.ts';

/** Source port, destination port, length, checksum. */
export const UDP_HEADER_BYTES = 8;

/** A UDP datagram; `payload` ends where the UDP length says. */
export interface UdpDatagram {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly payload: Uint8Array;
}

/** The IPv4 addresses around a datagram, which its checksum covers. */
export interface UdpAddresses {
  readonly src: string;
  readonly dst: string;
}

/**
 * Parses a UDP datagram from an IPv4 payload; if `addresses` are given and the checksum is not 0
 * (meaning none), it is verified.
 */
export function parseUdp(segment: Uint8Array, addresses?: UdpAddresses): WireResult<UdpDatagram> {
  if (segment.length < UDP_HEADER_BYTES) return fail('ERR_TRUNCATED');
  const length = (segment[4] << 8) | segment[5];
  if (length < UDP_HEADER_BYTES) return fail('ERR_BAD_LENGTH');
  if (length > segment.length) return fail('ERR_TRUNCATED');
  const checksum = (segment[6] << 8) | segment[7];
  if (addresses && checksum !== 0) {
    const sum = pseudoHeaderSum(addresses.src, addresses.dst, IPPROTO_UDP, length);
    if (internetChecksum(segment, sum, 0, length) !== 0) return fail('ERR_BAD_CHECKSUM');
  }
  return ok({
    srcPort: (segment[0] << 8) | segment[1],
    dstPort: (segment[2] << 8) | segment[3],
    payload: segment.subarray(UDP_HEADER_BYTES, length),
  });
}

/** Serializes a UDP datagram with its checksum over the pseudo-header of `addresses`. */
export function serializeUdp(d: UdpDatagram, addresses: UdpAddresses): Uint8Array {
  const length = UDP_HEADER_BYTES + d.payload.length;
  if (length > 0xffff) throw Object.assign(new RangeError(`UDP datagram of ${length} bytes`), { code: 'ERR_BAD_LENGTH' });
  const out = new Uint8Array(length);
  out[0] = d.srcPort >>> 8;
  out[1] = d.srcPort & 0xff;
  out[2] = d.dstPort >>> 8;
  out[3] = d.dstPort & 0xff;
  out[4] = length >>> 8;
  out[5] = length & 0xff;
  out.set(d.payload, UDP_HEADER_BYTES);
  // A computed 0 is sent as 0xFFFF, since 0 on the wire means "no checksum".
  const checksum = internetChecksum(out, pseudoHeaderSum(addresses.src, addresses.dst, IPPROTO_UDP, length)) || 0xffff;
  out[6] = checksum >>> 8;
  out[7] = checksum & 0xff;
  return out;
}
