// Ethernet II frames as they cross ttyS1, the NIC and data channels: no preamble, no FCS.

import { formatMac, MAC_BYTES, macBytes } from './mac.ts';
import { fail, ok, type WireResult } from './wire-result.ts';

/** Destination MAC, source MAC, EtherType. */
export const ETHERNET_HEADER_BYTES = 14;
/** Shortest frame on a real wire without FCS; shorter ones arrive zero-padded to this. */
export const ETHERNET_MIN_FRAME_BYTES = 60;
/** EtherType of IPv4. */
export const ETHERTYPE_IPV4 = 0x0800;
/** EtherType of ARP. */
export const ETHERTYPE_ARP = 0x0806;
/** EtherType of an 802.1Q VLAN tag. */
export const ETHERTYPE_VLAN = 0x8100;
/** EtherType of IPv6. */
export const ETHERTYPE_IPV6 = 0x86dd;

/** An Ethernet II frame; `payload` may carry trailing padding, so inner protocols must use their own length. */
export interface EthernetFrame {
  readonly dst: string;
  readonly src: string;
  readonly etherType: number;
  readonly payload: Uint8Array;
}

/** Parses an Ethernet II header; the payload is a view of `frame`, padding included. */
export function parseEthernet(frame: Uint8Array): WireResult<EthernetFrame> {
  if (frame.length < ETHERNET_HEADER_BYTES) return fail('ERR_TRUNCATED');
  return ok({
    dst: formatMac(frame, 0),
    src: formatMac(frame, MAC_BYTES),
    etherType: (frame[12] << 8) | frame[13],
    payload: frame.subarray(ETHERNET_HEADER_BYTES),
  });
}

/** Serializes an Ethernet II frame (no padding, no FCS); throws ERR_BAD_ADDRESS on a malformed MAC. */
export function serializeEthernet(f: EthernetFrame): Uint8Array {
  const out = new Uint8Array(ETHERNET_HEADER_BYTES + f.payload.length);
  out.set(macBytes(f.dst), 0);
  out.set(macBytes(f.src), MAC_BYTES);
  out[12] = f.etherType >>> 8;
  out[13] = f.etherType & 0xff;
  out.set(f.payload, ETHERNET_HEADER_BYTES);
  return out;
}
