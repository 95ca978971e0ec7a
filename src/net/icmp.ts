// ICMP messages (RFC 792): echo request and reply in detail, everything else by type and code.

import { internetChecksum } from './ipv4.ts';
import { fail, ok, type WireResult } from './wire-result.ts';

/** Type, code, checksum, and 4 bytes of type-specific header. */
export const ICMP_HEADER_BYTES = 8;
/** ICMP type of an echo reply. */
export const ICMP_ECHO_REPLY = 0;
/** ICMP type of an echo request. */
export const ICMP_ECHO_REQUEST = 8;

/** An echo request or reply (what `ping` sends and gets back). */
export interface IcmpEcho {
  readonly kind: 'echo-request' | 'echo-reply';
  readonly identifier: number;
  readonly sequence: number;
  readonly data: Uint8Array;
}

/** Any other ICMP message, kept as its type, code and the bytes after the checksum. */
export interface IcmpOther {
  readonly kind: 'other';
  readonly type: number;
  readonly code: number;
  readonly rest: Uint8Array;
}

/** A parsed ICMP message. */
export type IcmpMessage = IcmpEcho | IcmpOther;

/** Parses an ICMP message from a whole IPv4 payload, verifying its checksum. */
export function parseIcmp(bytes: Uint8Array): WireResult<IcmpMessage> {
  if (bytes.length < ICMP_HEADER_BYTES) return fail('ERR_TRUNCATED');
  if (internetChecksum(bytes) !== 0) return fail('ERR_BAD_CHECKSUM');
  const type = bytes[0];
  const code = bytes[1];
  if ((type === ICMP_ECHO_REQUEST || type === ICMP_ECHO_REPLY) && code === 0) {
    return ok({
      kind: type === ICMP_ECHO_REQUEST ? 'echo-request' : 'echo-reply',
      identifier: (bytes[4] << 8) | bytes[5],
      sequence: (bytes[6] << 8) | bytes[7],
      data: bytes.subarray(ICMP_HEADER_BYTES),
    });
  }
  return ok({ kind: 'other', type, code, rest: bytes.subarray(4) });
}

/** Serializes an echo request or reply with its checksum. */
export function serializeIcmpEcho(m: IcmpEcho): Uint8Array {
  const out = new Uint8Array(ICMP_HEADER_BYTES + m.data.length);
  out[0] = m.kind === 'echo-request' ? ICMP_ECHO_REQUEST : ICMP_ECHO_REPLY;
  out[4] = (m.identifier >>> 8) & 0xff;
  out[5] = m.identifier & 0xff;
  out[6] = (m.sequence >>> 8) & 0xff;
  out[7] = m.sequence & 0xff;
  out.set(m.data, ICMP_HEADER_BYTES);
  const checksum = internetChecksum(out);
  out[2] = checksum >>> 8;
  out[3] = checksum & 0xff;
  return out;
}
