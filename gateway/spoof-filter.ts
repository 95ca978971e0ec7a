// The gateway's ingress check: a frame from a peer goes on to the tap only if it carries that
// peer's own MAC and, for ARP and IPv4, its own leased address. Checked before the switch sees
// the frame, so a liar can neither reach the host under another's name nor steal its MAC entry.
//
//   data channel (peer P) ──> SpoofFilter.check(P, frame) ──null──> switch ──> tap
//                                                        └─reason─> counted, dropped
import { ETHERNET_HEADER_BYTES, ETHERTYPE_ARP, ETHERTYPE_IPV4 } from '../src/net/ethernet.ts';
import { MAC_BYTES, macBytes } from '../src/net/mac.ts';
import { ipBytes } from '../src/net/ipv4.ts';

/** Every reason the filter drops a frame for. */
export const SPOOF_DROP_REASONS = [
  'unknownPeer', // the peer has not announced a MAC (or has no lease) yet
  'runt', // shorter than its headers
  'sourceMac', // Ethernet source is not the peer's MAC
  'ethertype', // neither ARP nor IPv4: the gateway carries IPv4 only
  'arpSenderMac', // ARP sender hardware address is not the peer's MAC
  'arpSenderIp', // ARP sender protocol address is not the peer's lease (nor 0.0.0.0 for a probe)
  'ipSource', // IPv4 source is not the peer's lease (nor 0.0.0.0 for DHCP)
  'malformed', // not a well-formed Ethernet/IPv4 ARP or IPv4 header
] as const;

/** Why a frame from a peer was dropped. */
export type SpoofDropReason = (typeof SPOOF_DROP_REASONS)[number];

/** What a peer may send as: its announced MAC and its leased address. */
export interface PeerIdentity {
  readonly mac: string;
  readonly ip: string;
}

const ARP_BYTES = 28;
const IPV4_MIN_HEADER_BYTES = 20;
const DHCP_CLIENT_PORT = 68;
const DHCP_SERVER_PORT = 67;

interface Known {
  mac: Uint8Array;
  ip: Uint8Array;
}

function equalAt(frame: Uint8Array, offset: number, want: Uint8Array): boolean {
  for (let i = 0; i < want.length; i++) if (frame[offset + i] !== want[i]) return false;
  return true;
}

function zeroAt(frame: Uint8Array, offset: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (frame[offset + i] !== 0) return false;
  return true;
}

/** Per-peer source checks with drop counters, total and per peer. */
export class SpoofFilter {
  /** Drops by reason, over all peers. */
  readonly dropped: Record<SpoofDropReason, number> = Object.fromEntries(SPOOF_DROP_REASONS.map((r) => [r, 0])) as Record<
    SpoofDropReason,
    number
  >;
  private readonly peers = new Map<string, Known>();
  private readonly perPeer = new Map<string, Record<string, number>>();

  /** Sets (or replaces) what `peerId` may send as; throws ERR_BAD_ADDRESS on a malformed MAC or IP. */
  setPeer(peerId: string, identity: PeerIdentity): void {
    this.peers.set(peerId, { mac: macBytes(identity.mac), ip: ipBytes(identity.ip) });
  }

  /** Forgets a peer (it left); its frames count as `unknownPeer` from now on. */
  removePeer(peerId: string): void {
    this.peers.delete(peerId);
    this.perPeer.delete(peerId);
  }

  /** Drops of one peer by reason (empty if none). */
  peerDrops(peerId: string): Record<string, number> {
    return { ...this.perPeer.get(peerId) };
  }

  /** Checks one frame from `peerId`: null to accept, or the reason it was dropped (already counted). */
  check(peerId: string, frame: Uint8Array): SpoofDropReason | null {
    const reason = this.verdict(peerId, frame);
    if (reason !== null) {
      this.dropped[reason]++;
      let counts = this.perPeer.get(peerId);
      if (!counts && this.peers.has(peerId)) this.perPeer.set(peerId, (counts = {}));
      if (counts) counts[reason] = (counts[reason] ?? 0) + 1;
    }
    return reason;
  }

  private verdict(peerId: string, frame: Uint8Array): SpoofDropReason | null {
    const peer = this.peers.get(peerId);
    if (!peer) return 'unknownPeer';
    if (frame.length < ETHERNET_HEADER_BYTES) return 'runt';
    if (!equalAt(frame, MAC_BYTES, peer.mac)) return 'sourceMac';
    const ethertype = (frame[12] << 8) | frame[13];
    const body = ETHERNET_HEADER_BYTES;
    if (ethertype === ETHERTYPE_ARP) {
      if (frame.length < body + ARP_BYTES) return 'runt';
      // Ethernet hardware (1), IPv4 protocol, 6- and 4-byte addresses.
      if (frame[body] !== 0 || frame[body + 1] !== 1 || frame[body + 2] !== 0x08 || frame[body + 3] !== 0 || frame[body + 4] !== 6 || frame[body + 5] !== 4) {
        return 'malformed';
      }
      if (!equalAt(frame, body + 8, peer.mac)) return 'arpSenderMac';
      // Sender 0.0.0.0 is an address probe (RFC 5227), which claims nothing.
      if (!equalAt(frame, body + 14, peer.ip) && !zeroAt(frame, body + 14, 4)) return 'arpSenderIp';
      return null;
    }
    if (ethertype === ETHERTYPE_IPV4) {
      if (frame.length < body + IPV4_MIN_HEADER_BYTES) return 'runt';
      const headerBytes = (frame[body] & 0x0f) * 4;
      if (frame[body] >>> 4 !== 4 || headerBytes < IPV4_MIN_HEADER_BYTES || frame.length < body + headerBytes) return 'malformed';
      if (equalAt(frame, body + 12, peer.ip)) return null;
      if (zeroAt(frame, body + 12, 4) && isDhcpClientUdp(frame, body, headerBytes)) return null;
      return 'ipSource';
    }
    return 'ethertype';
  }
}

// A DHCP client's own message: UDP from port 68 to port 67, first fragment.
function isDhcpClientUdp(frame: Uint8Array, ip: number, headerBytes: number): boolean {
  if (frame[ip + 9] !== 17) return false;
  if (((frame[ip + 6] & 0x1f) | frame[ip + 7]) !== 0) return false;
  const udp = ip + headerBytes;
  if (frame.length < udp + 8) return false;
  return ((frame[udp] << 8) | frame[udp + 1]) === DHCP_CLIENT_PORT && ((frame[udp + 2] << 8) | frame[udp + 3]) === DHCP_SERVER_PORT;
}
