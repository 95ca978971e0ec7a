// BOOTP/DHCP messages (RFC 951, RFC 2131) and their options (RFC 2132): parse and serialize.

import { formatMac, macBytes } from './mac.ts';
import { formatIp, ipBytes } from './ipv4.ts';
import { fail, ok, type WireResult } from './wire-result.ts';

/** UDP port DHCP servers listen on. */
export const DHCP_SERVER_PORT = 67;
/** UDP port DHCP clients listen on. */
export const DHCP_CLIENT_PORT = 68;
/** Fixed BOOTP fields plus the magic cookie; options follow. */
export const DHCP_HEADER_BYTES = 240;
/** BOOTP's minimum message; we pad replies to it because some old clients insist. */
export const DHCP_MIN_PACKET_BYTES = 300;
/** op of a client message. */
export const BOOTREQUEST = 1;
/** op of a server message. */
export const BOOTREPLY = 2;
/** The broadcast bit of `flags`: the client cannot receive unicast before it is configured. */
export const DHCP_FLAG_BROADCAST = 0x8000;

/** DHCP message types (option 53). */
export const DHCP_DISCOVER = 1;
export const DHCP_OFFER = 2;
export const DHCP_REQUEST = 3;
export const DHCP_DECLINE = 4;
export const DHCP_ACK = 5;
export const DHCP_NAK = 6;
export const DHCP_RELEASE = 7;
export const DHCP_INFORM = 8;

/** Option codes we read or write (RFC 2132). */
export const OPT_PAD = 0;
export const OPT_SUBNET_MASK = 1;
export const OPT_ROUTER = 3;
export const OPT_DNS = 6;
export const OPT_HOSTNAME = 12;
export const OPT_DOMAIN = 15;
export const OPT_MTU = 26;
export const OPT_BROADCAST = 28;
export const OPT_REQUESTED_IP = 50;
export const OPT_LEASE_SECONDS = 51;
export const OPT_MESSAGE_TYPE = 53;
export const OPT_SERVER_ID = 54;
export const OPT_PARAMETER_LIST = 55;
export const OPT_MESSAGE = 56;
export const OPT_RENEWAL_SECONDS = 58;
export const OPT_REBINDING_SECONDS = 59;
export const OPT_CLIENT_ID = 61;
export const OPT_END = 255;

const MAGIC_COOKIE = [99, 130, 83, 99];
const CHADDR_OFFSET = 28;
const OPTIONS_OFFSET = DHCP_HEADER_BYTES;

/** A BOOTP/DHCP message over Ethernet; addresses as text, options as code -> bytes in wire order. */
export interface DhcpPacket {
  readonly op: number;
  readonly xid: number;
  readonly secs: number;
  readonly flags: number;
  readonly ciaddr: string;
  readonly yiaddr: string;
  readonly siaddr: string;
  readonly giaddr: string;
  /** Client hardware address (the first 6 bytes of chaddr). */
  readonly chaddr: string;
  /** Options other than pad and end; a repeated option's parts are joined (RFC 3396). */
  readonly options: ReadonlyMap<number, Uint8Array>;
}

/** Parses a DHCP message from a UDP payload: Ethernet hardware only, magic cookie and END required. */
export function parseDhcp(bytes: Uint8Array): WireResult<DhcpPacket> {
  if (bytes.length < DHCP_HEADER_BYTES) return fail('ERR_TRUNCATED');
  if (bytes[1] !== 1 || bytes[2] !== 6) return fail('ERR_UNSUPPORTED'); // htype Ethernet, hlen 6
  for (let i = 0; i < 4; i++) if (bytes[236 + i] !== MAGIC_COOKIE[i]) return fail('ERR_BAD_MAGIC');
  const options = new Map<number, Uint8Array>();
  let i = OPTIONS_OFFSET;
  for (;;) {
    if (i >= bytes.length) return fail('ERR_BAD_OPTIONS'); // ran out before END
    const code = bytes[i++];
    if (code === OPT_END) break;
    if (code === OPT_PAD) continue;
    if (i >= bytes.length) return fail('ERR_BAD_OPTIONS');
    const len = bytes[i++];
    if (i + len > bytes.length) return fail('ERR_BAD_OPTIONS');
    const data = bytes.slice(i, i + len);
    const before = options.get(code);
    if (before) {
      const joined = new Uint8Array(before.length + len);
      joined.set(before);
      joined.set(data, before.length);
      options.set(code, joined);
    } else options.set(code, data);
    i += len;
  }
  const u32 = (o: number) => ((bytes[o] << 24) | (bytes[o + 1] << 16) | (bytes[o + 2] << 8) | bytes[o + 3]) >>> 0;
  return ok({
    op: bytes[0],
    xid: u32(4),
    secs: (bytes[8] << 8) | bytes[9],
    flags: (bytes[10] << 8) | bytes[11],
    ciaddr: formatIp(bytes, 12),
    yiaddr: formatIp(bytes, 16),
    siaddr: formatIp(bytes, 20),
    giaddr: formatIp(bytes, 24),
    chaddr: formatMac(bytes, CHADDR_OFFSET),
    options,
  });
}

/** Serializes a DHCP message (hops 0, empty sname/file), options in map order, END, zero-padded to 300 bytes. */
export function serializeDhcp(p: DhcpPacket): Uint8Array {
  let optionBytes = 1; // END
  for (const data of p.options.values()) optionBytes += 2 * Math.ceil(data.length / 255 || 1) + data.length;
  const out = new Uint8Array(Math.max(DHCP_MIN_PACKET_BYTES, OPTIONS_OFFSET + optionBytes));
  const view = new DataView(out.buffer);
  out[0] = p.op;
  out[1] = 1;
  out[2] = 6;
  view.setUint32(4, p.xid);
  view.setUint16(8, p.secs);
  view.setUint16(10, p.flags);
  out.set(ipBytes(p.ciaddr), 12);
  out.set(ipBytes(p.yiaddr), 16);
  out.set(ipBytes(p.siaddr), 20);
  out.set(ipBytes(p.giaddr), 24);
  out.set(macBytes(p.chaddr), CHADDR_OFFSET);
  out.set(MAGIC_COOKIE, 236);
  let o = OPTIONS_OFFSET;
  for (const [code, data] of p.options) {
    // Options longer than 255 bytes are split into consecutive parts (RFC 3396).
    let at = 0;
    do {
      const part = data.subarray(at, at + 255);
      out[o++] = code;
      out[o++] = part.length;
      out.set(part, o);
      o += part.length;
      at += 255;
    } while (at < data.length);
  }
  out[o] = OPT_END;
  return out;
}

/** Option data holding IPv4 addresses, one after another. */
export function ipOption(...ips: string[]): Uint8Array {
  const out = new Uint8Array(4 * ips.length);
  ips.forEach((ip, k) => out.set(ipBytes(ip), 4 * k));
  return out;
}

/** Option data holding one unsigned number of `bytes` bytes, big-endian. */
export function uintOption(value: number, bytes: 1 | 2 | 4): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let k = bytes - 1, v = value; k >= 0; k--, v = Math.floor(v / 256)) out[k] = v & 0xff;
  return out;
}

/** Option data holding text (UTF-8). */
export function textOption(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Reads an option of exactly 4n bytes as addresses; undefined if absent or misshapen. */
export function readIpOption(p: DhcpPacket, code: number): string[] | undefined {
  const data = p.options.get(code);
  if (!data || data.length === 0 || data.length % 4) return undefined;
  const ips: string[] = [];
  for (let k = 0; k < data.length; k += 4) ips.push(formatIp(data, k));
  return ips;
}

/** Reads an option of exactly 1, 2 or 4 bytes as an unsigned number; undefined if absent or misshapen. */
export function readUintOption(p: DhcpPacket, code: number): number | undefined {
  const data = p.options.get(code);
  if (!data || (data.length !== 1 && data.length !== 2 && data.length !== 4)) return undefined;
  let v = 0;
  for (const b of data) v = v * 256 + b;
  return v;
}
