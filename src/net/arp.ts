// ARP for IPv4 over Ethernet (RFC 826): the only kind a LAN of VMs needs.

import { formatMac, macBytes } from './mac.ts';
import { formatIp, ipBytes } from './ipv4.ts';
import { fail, ok, type WireResult } from './wire-result.ts';

/** An ARP packet for IPv4 over Ethernet. */
export const ARP_BYTES = 28;
/** ARP operation: who has targetIp? */
export const ARP_OP_REQUEST = 1;
/** ARP operation: senderIp is at senderMac. */
export const ARP_OP_REPLY = 2;

const HTYPE_ETHERNET = 1;
const PTYPE_IPV4 = 0x0800;

/** An ARP packet; `op` is ARP_OP_REQUEST or ARP_OP_REPLY (others are passed through as numbers). */
export interface ArpPacket {
  readonly op: number;
  readonly senderMac: string;
  readonly senderIp: string;
  readonly targetMac: string;
  readonly targetIp: string;
}

/** Parses an ARP packet from an Ethernet payload (padding ignored); other hardware/protocol kinds are ERR_UNSUPPORTED. */
export function parseArp(bytes: Uint8Array): WireResult<ArpPacket> {
  if (bytes.length < 8) return fail('ERR_TRUNCATED');
  const htype = (bytes[0] << 8) | bytes[1];
  const ptype = (bytes[2] << 8) | bytes[3];
  if (htype !== HTYPE_ETHERNET || ptype !== PTYPE_IPV4 || bytes[4] !== 6 || bytes[5] !== 4) return fail('ERR_UNSUPPORTED');
  if (bytes.length < ARP_BYTES) return fail('ERR_TRUNCATED');
  return ok({
    op: (bytes[6] << 8) | bytes[7],
    senderMac: formatMac(bytes, 8),
    senderIp: formatIp(bytes, 14),
    targetMac: formatMac(bytes, 18),
    targetIp: formatIp(bytes, 24),
  });
}

/** Serializes an ARP packet (28 bytes); throws ERR_BAD_ADDRESS on a malformed address. */
export function serializeArp(p: ArpPacket): Uint8Array {
  const out = new Uint8Array(ARP_BYTES);
  out[1] = HTYPE_ETHERNET;
  out[2] = PTYPE_IPV4 >>> 8;
  out[4] = 6;
  out[5] = 4;
  out[6] = p.op >>> 8;
  out[7] = p.op & 0xff;
  out.set(macBytes(p.senderMac), 8);
  out.set(ipBytes(p.senderIp), 14);
  out.set(macBytes(p.targetMac), 18);
  out.set(ipBytes(p.targetIp), 24);
  return out;
}
