// The page's DHCP server for its own guest, so DHCP never crosses the mesh.
//
//   guest frame (UDP to port 67) -> isDhcpFromClient -> responder.handleFrame -> reply frame -> guest
//
// It serves exactly one client (the guest's MAC) exactly one address (the lease signaling gave us).

import {
  BOOTREPLY,
  BOOTREQUEST,
  DHCP_ACK,
  DHCP_CLIENT_PORT,
  DHCP_DECLINE,
  DHCP_DISCOVER,
  DHCP_FLAG_BROADCAST,
  DHCP_INFORM,
  DHCP_NAK,
  DHCP_OFFER,
  DHCP_RELEASE,
  DHCP_REQUEST,
  DHCP_SERVER_PORT,
  ipOption,
  OPT_BROADCAST,
  OPT_DNS,
  OPT_DOMAIN,
  OPT_HOSTNAME,
  OPT_LEASE_SECONDS,
  OPT_MESSAGE_TYPE,
  OPT_MTU,
  OPT_REBINDING_SECONDS,
  OPT_RENEWAL_SECONDS,
  OPT_REQUESTED_IP,
  OPT_ROUTER,
  OPT_SERVER_ID,
  OPT_SUBNET_MASK,
  parseDhcp,
  readIpOption,
  readUintOption,
  serializeDhcp,
  textOption,
  uintOption,
  type DhcpPacket,
} from './dhcp.ts';
import { BROADCAST_MAC, formatMac, macBytes } from './mac.ts';
import { ETHERNET_HEADER_BYTES, ETHERTYPE_IPV4, parseEthernet, serializeEthernet } from './ethernet.ts';
import { IPPROTO_UDP, ipToNumber, numberToIp, parseIpv4, serializeIpv4 } from './ipv4.ts';
import { parseUdp, serializeUdp } from './udp.ts';

/** Ethernet source of our replies when no other is given: locally administered, "10.0.2.1" in its tail. */
export const DHCP_SERVER_MAC = '02:00:0a:00:02:01';
/** The room's gateway and DHCP server address. */
export const DHCP_SERVER_IP = '10.0.2.1';

const ZERO_IP = '0.0.0.0';
const BROADCAST_IP = '255.255.255.255';

/** What the guest is told; router and DNS only when a gateway is present. */
export interface DhcpLease {
  readonly ip: string;
  readonly netmask: string;
  readonly router?: string;
  readonly dns?: readonly string[];
  readonly leaseSeconds: number;
  /** Interface MTU (option 26), 68 to 9000. */
  readonly mtu?: number;
  readonly hostname?: string;
  readonly domain?: string;
}

/** How to create a responder. */
export interface DhcpResponderOptions {
  readonly guestMac: string;
  readonly lease: DhcpLease;
  /** Server identifier (option 54) and IPv4 source of replies; default DHCP_SERVER_IP. */
  readonly serverIp?: string;
  /** Ethernet source of replies; default DHCP_SERVER_MAC. */
  readonly serverMac?: string;
}

/** Messages seen and sent, and frames ignored by reason. */
export interface DhcpResponderCounters {
  discover: number;
  request: number;
  decline: number;
  release: number;
  inform: number;
  offer: number;
  ack: number;
  nak: number;
  /** From, or on behalf of, a MAC other than the guest's. */
  ignoredForeignMac: number;
  /** A REQUEST naming another server (the client chose someone else). */
  ignoredOtherServer: number;
  /** Not a DHCP client message at all (not IPv4/UDP to port 67). */
  notDhcp: number;
  /** Truncated, bad checksum, bad cookie, options overrunning, wrong op. */
  malformed: number;
  /** Well formed but no or an unknown message type (plain BOOTP, for example). */
  unsupported: number;
}

/** A DHCP server for one guest; see createDhcpResponder. */
export interface DhcpResponder {
  /** Handles one frame from the guest; returns the whole Ethernet reply to give the guest, or null. */
  handleFrame(frame: Uint8Array): Uint8Array | null;
  /** Replaces the lease (for example router and DNS when a gateway joins or leaves); the guest sees it at renewal. */
  setLease(lease: DhcpLease): void;
  readonly lease: DhcpLease;
  readonly counters: DhcpResponderCounters;
}

/** True if `frame` is IPv4 UDP to port 67 (a DHCP client message), checked without allocating. */
export function isDhcpFromClient(frame: Uint8Array): boolean {
  if (frame.length < ETHERNET_HEADER_BYTES + 20 + 8) return false;
  if (frame[12] !== ETHERTYPE_IPV4 >>> 8 || frame[13] !== (ETHERTYPE_IPV4 & 0xff)) return false;
  const v = frame[ETHERNET_HEADER_BYTES];
  if (v >>> 4 !== 4 || frame[ETHERNET_HEADER_BYTES + 9] !== IPPROTO_UDP) return false;
  // A non-first fragment carries no UDP header.
  if (((frame[ETHERNET_HEADER_BYTES + 6] & 0x1f) | frame[ETHERNET_HEADER_BYTES + 7]) !== 0) return false;
  const udp = ETHERNET_HEADER_BYTES + (v & 0x0f) * 4;
  if (frame.length < udp + 8) return false;
  return frame[udp + 2] === DHCP_SERVER_PORT >>> 8 && frame[udp + 3] === (DHCP_SERVER_PORT & 0xff);
}

/** Creates the DHCP server that answers only `guestMac`, always with `lease`. */
export function createDhcpResponder(options: DhcpResponderOptions): DhcpResponder {
  const guestMac = formatMac(macBytes(options.guestMac)); // normalise case; throws on misuse
  const serverIp = options.serverIp ?? DHCP_SERVER_IP;
  const serverMac = formatMac(macBytes(options.serverMac ?? DHCP_SERVER_MAC));
  ipToNumber(serverIp); // throws ERR_BAD_ADDRESS at once on misuse
  let lease = checkLease(options.lease);
  const counters: DhcpResponderCounters = {
    discover: 0,
    request: 0,
    decline: 0,
    release: 0,
    inform: 0,
    offer: 0,
    ack: 0,
    nak: 0,
    ignoredForeignMac: 0,
    ignoredOtherServer: 0,
    notDhcp: 0,
    malformed: 0,
    unsupported: 0,
  };

  // Options in the order dnsmasq and udhcpd use: type and server first, then timing, then config.
  function leaseOptions(type: number, withTimes: boolean): Map<number, Uint8Array> {
    const o = new Map<number, Uint8Array>();
    o.set(OPT_MESSAGE_TYPE, uintOption(type, 1));
    o.set(OPT_SERVER_ID, ipOption(serverIp));
    if (withTimes) {
      o.set(OPT_LEASE_SECONDS, uintOption(lease.leaseSeconds, 4));
      o.set(OPT_RENEWAL_SECONDS, uintOption(Math.floor(lease.leaseSeconds / 2), 4));
      o.set(OPT_REBINDING_SECONDS, uintOption(Math.floor((lease.leaseSeconds * 7) / 8), 4));
    }
    o.set(OPT_SUBNET_MASK, ipOption(lease.netmask));
    const mask = ipToNumber(lease.netmask);
    o.set(OPT_BROADCAST, ipOption(numberToIp(((ipToNumber(lease.ip) & mask) | ~mask) >>> 0)));
    if (lease.router) o.set(OPT_ROUTER, ipOption(lease.router));
    if (lease.dns && lease.dns.length > 0) o.set(OPT_DNS, ipOption(...lease.dns));
    if (lease.mtu !== undefined) o.set(OPT_MTU, uintOption(lease.mtu, 2));
    if (lease.hostname) o.set(OPT_HOSTNAME, textOption(lease.hostname));
    if (lease.domain) o.set(OPT_DOMAIN, textOption(lease.domain));
    return o;
  }

  function reply(
    req: DhcpPacket,
    type: number,
    fields: { yiaddr: string; ciaddr: string },
    o: Map<number, Uint8Array>,
  ): Uint8Array {
    // RFC 2131 4.1: to ciaddr if the client has one; NAK and broadcast-flag replies to everyone;
    // otherwise to the offered address at the client's MAC (the guest is our only listener anyway).
    let dstIp: string;
    let dstMac: string;
    if (type !== DHCP_NAK && req.ciaddr !== ZERO_IP) [dstIp, dstMac] = [req.ciaddr, guestMac];
    else if (type === DHCP_NAK || req.flags & DHCP_FLAG_BROADCAST) [dstIp, dstMac] = [BROADCAST_IP, BROADCAST_MAC];
    else [dstIp, dstMac] = [fields.yiaddr, guestMac];
    const dhcp = serializeDhcp({
      op: BOOTREPLY,
      xid: req.xid,
      secs: 0,
      flags: req.flags,
      ciaddr: fields.ciaddr,
      yiaddr: fields.yiaddr,
      siaddr: ZERO_IP,
      giaddr: req.giaddr,
      chaddr: req.chaddr,
      options: o,
    });
    const udp = serializeUdp({ srcPort: DHCP_SERVER_PORT, dstPort: DHCP_CLIENT_PORT, payload: dhcp }, { src: serverIp, dst: dstIp });
    const ip = serializeIpv4({ src: serverIp, dst: dstIp, protocol: IPPROTO_UDP, payload: udp });
    if (type === DHCP_OFFER) counters.offer++;
    else if (type === DHCP_ACK) counters.ack++;
    else counters.nak++;
    return serializeEthernet({ dst: dstMac, src: serverMac, etherType: ETHERTYPE_IPV4, payload: ip });
  }

  function nak(req: DhcpPacket): Uint8Array {
    const o = new Map<number, Uint8Array>();
    o.set(OPT_MESSAGE_TYPE, uintOption(DHCP_NAK, 1));
    o.set(OPT_SERVER_ID, ipOption(serverIp));
    return reply(req, DHCP_NAK, { yiaddr: ZERO_IP, ciaddr: ZERO_IP }, o);
  }

  function onRequest(req: DhcpPacket): Uint8Array | null {
    const server = readIpOption(req, OPT_SERVER_ID)?.[0];
    if (server !== undefined && server !== serverIp) {
      counters.ignoredOtherServer++;
      return null;
    }
    // SELECTING (server id) and INIT-REBOOT name the address in option 50; RENEWING and
    // REBINDING carry it in ciaddr instead.
    const wanted = server !== undefined || req.ciaddr === ZERO_IP ? readIpOption(req, OPT_REQUESTED_IP)?.[0] : req.ciaddr;
    if (wanted !== lease.ip) return nak(req);
    return reply(req, DHCP_ACK, { yiaddr: lease.ip, ciaddr: req.ciaddr }, leaseOptions(DHCP_ACK, true));
  }

  function handleFrame(frame: Uint8Array): Uint8Array | null {
    if (!isDhcpFromClient(frame)) {
      counters.notDhcp++;
      return null;
    }
    const eth = parseEthernet(frame);
    if (!eth.ok) return malformed();
    if (eth.value.src !== guestMac) {
      counters.ignoredForeignMac++;
      return null;
    }
    const ip = parseIpv4(eth.value.payload);
    if (!ip.ok) return malformed();
    const udp = parseUdp(ip.value.payload, ip.value);
    if (!udp.ok) return malformed();
    const parsed = parseDhcp(udp.value.payload);
    if (!parsed.ok || parsed.value.op !== BOOTREQUEST) return malformed();
    const req = parsed.value;
    if (req.chaddr !== guestMac) {
      counters.ignoredForeignMac++;
      return null;
    }
    switch (readUintOption(req, OPT_MESSAGE_TYPE)) {
      case DHCP_DISCOVER:
        counters.discover++;
        return reply(req, DHCP_OFFER, { yiaddr: lease.ip, ciaddr: ZERO_IP }, leaseOptions(DHCP_OFFER, true));
      case DHCP_REQUEST:
        counters.request++;
        return onRequest(req);
      case DHCP_INFORM:
        // The client has an address already and wants only configuration: no lease, no yiaddr.
        counters.inform++;
        return reply(req, DHCP_ACK, { yiaddr: ZERO_IP, ciaddr: req.ciaddr }, leaseOptions(DHCP_ACK, false));
      case DHCP_RELEASE:
        // The address stays the guest's (signaling assigned it), so there is nothing to free.
        counters.release++;
        return null;
      case DHCP_DECLINE:
        // Someone else answers ARP for our address; counted so the page can show it.
        counters.decline++;
        return null;
      default:
        counters.unsupported++;
        return null;
    }
  }

  function malformed(): null {
    counters.malformed++;
    return null;
  }

  return {
    handleFrame,
    setLease(next) {
      lease = checkLease(next);
    },
    get lease() {
      return lease;
    },
    counters,
  };
}

// Misuse by the caller throws at once (ERR_BAD_ADDRESS), not later inside handleFrame.
function checkLease(lease: DhcpLease): DhcpLease {
  for (const ip of [lease.ip, lease.netmask, lease.router ?? ZERO_IP, ...(lease.dns ?? [])]) ipToNumber(ip);
  if (!Number.isInteger(lease.leaseSeconds) || lease.leaseSeconds < 1 || lease.leaseSeconds > 0xffffffff) {
    throw Object.assign(new RangeError(`leaseSeconds ${lease.leaseSeconds}`), { code: 'ERR_BAD_LEASE' });
  }
  if (lease.mtu !== undefined && (!Number.isInteger(lease.mtu) || lease.mtu < 68 || lease.mtu > 9000)) {
    throw Object.assign(new RangeError(`mtu ${lease.mtu}`), { code: 'ERR_BAD_LEASE' });
  }
  return { ...lease, dns: lease.dns ? [...lease.dns] : undefined };
}
