// A tiny host stack for tests that play the far end of a guest's link: it answers ARP and ping
// for its address, can ping and resolve others, and records the echo replies it gets.
//
//   test ── LanHost.receive(frame) <── guest frames
//   test ── LanHost.ping(ip, seq) ──> send(frame) ──> guest

import { ARP_OP_REPLY, ARP_OP_REQUEST, parseArp, serializeArp } from '../../src/net/arp.ts';
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, parseEthernet, serializeEthernet } from '../../src/net/ethernet.ts';
import { parseIcmp, serializeIcmpEcho } from '../../src/net/icmp.ts';
import { IPPROTO_ICMP, parseIpv4, serializeIpv4 } from '../../src/net/ipv4.ts';
import { BROADCAST_MAC, formatMac, macBytes } from '../../src/net/mac.ts';

/** An echo reply the host received. */
export interface EchoReply {
  readonly from: string;
  readonly identifier: number;
  readonly sequence: number;
  readonly data: Uint8Array;
}

/** What the host did and ignored. */
export interface LanHostCounters {
  arpRequestsAnswered: number;
  arpRequestsSent: number;
  echoRequestsAnswered: number;
  echoRequestsSent: number;
  echoRepliesReceived: number;
  /** Frames for another MAC, other protocols, or addressed to another IP. */
  ignored: number;
  /** Frames whose headers or checksums did not parse. */
  malformed: number;
}

/** How to create a LanHost. */
export interface LanHostOptions {
  readonly mac: string;
  readonly ip: string;
  readonly send: (frame: Uint8Array) => void;
  /** ICMP identifier of this host's pings; default 1. */
  readonly identifier?: number;
}

/** The test host; see createLanHost. */
export interface LanHost {
  /** Handles one frame from the link (answering ARP and echo requests through `send`). */
  receive(frame: Uint8Array): void;
  /** Sends an echo request to `targetIp`, resolving its MAC by ARP first if it is not known yet. */
  ping(targetIp: string, sequence: number, data?: Uint8Array): void;
  /** Resolves with the first echo reply (already received or future) matching `sequence` from `fromIp`. */
  nextEchoReply(fromIp: string, sequence: number): Promise<EchoReply>;
  /** Echo replies received so far, in order. */
  readonly replies: readonly EchoReply[];
  /** IP -> MAC learned from ARP. */
  readonly arpTable: ReadonlyMap<string, string>;
  readonly counters: LanHostCounters;
}

/** Default echo payload: 16 bytes 0x00..0x0f. */
export const LAN_HOST_PING_DATA = Uint8Array.from({ length: 16 }, (_, i) => i);

/** Creates a host with one MAC and one IPv4 address that talks through `send`. */
export function createLanHost(options: LanHostOptions): LanHost {
  const mac = formatMac(macBytes(options.mac));
  const { ip, send } = options;
  const identifier = options.identifier ?? 1;
  const arpTable = new Map<string, string>();
  const pending = new Map<string, Array<{ sequence: number; data: Uint8Array }>>();
  const replies: EchoReply[] = [];
  const waiters: Array<{ from: string; sequence: number; resolve: (r: EchoReply) => void }> = [];
  const counters: LanHostCounters = {
    arpRequestsAnswered: 0,
    arpRequestsSent: 0,
    echoRequestsAnswered: 0,
    echoRequestsSent: 0,
    echoRepliesReceived: 0,
    ignored: 0,
    malformed: 0,
  };

  const sendIcmp = (dstMac: string, dstIp: string, payload: Uint8Array) =>
    send(
      serializeEthernet({
        dst: dstMac,
        src: mac,
        etherType: ETHERTYPE_IPV4,
        payload: serializeIpv4({ src: ip, dst: dstIp, protocol: IPPROTO_ICMP, payload }),
      }),
    );

  function learn(peerIp: string, peerMac: string): void {
    arpTable.set(peerIp, peerMac);
    const queued = pending.get(peerIp);
    if (!queued) return;
    pending.delete(peerIp);
    for (const p of queued) sendEcho(peerIp, p.sequence, p.data);
  }

  function sendEcho(targetIp: string, sequence: number, data: Uint8Array): void {
    counters.echoRequestsSent++;
    sendIcmp(arpTable.get(targetIp)!, targetIp, serializeIcmpEcho({ kind: 'echo-request', identifier, sequence, data }));
  }

  function onArp(payload: Uint8Array): void {
    const arp = parseArp(payload);
    if (!arp.ok) return void counters.malformed++;
    const a = arp.value;
    if (a.targetIp !== ip) {
      counters.ignored++;
      return;
    }
    learn(a.senderIp, a.senderMac);
    if (a.op !== ARP_OP_REQUEST) return;
    counters.arpRequestsAnswered++;
    const reply = serializeArp({ op: ARP_OP_REPLY, senderMac: mac, senderIp: ip, targetMac: a.senderMac, targetIp: a.senderIp });
    send(serializeEthernet({ dst: a.senderMac, src: mac, etherType: ETHERTYPE_ARP, payload: reply }));
  }

  function onIpv4(srcMac: string, payload: Uint8Array): void {
    const packet = parseIpv4(payload);
    if (!packet.ok) return void counters.malformed++;
    const p = packet.value;
    if (p.dst !== ip || p.protocol !== IPPROTO_ICMP) return void counters.ignored++;
    const icmp = parseIcmp(p.payload);
    if (!icmp.ok) return void counters.malformed++;
    const m = icmp.value;
    if (m.kind === 'echo-request') {
      counters.echoRequestsAnswered++;
      // Reply to the sender's MAC as seen on the wire, as a host with a fresh ARP entry would.
      sendIcmp(srcMac, p.src, serializeIcmpEcho({ ...m, kind: 'echo-reply', data: m.data.slice() }));
    } else if (m.kind === 'echo-reply') {
      counters.echoRepliesReceived++;
      const reply: EchoReply = { from: p.src, identifier: m.identifier, sequence: m.sequence, data: m.data.slice() };
      replies.push(reply);
      for (let i = waiters.length - 1; i >= 0; i--) {
        const w = waiters[i];
        if (w.from === reply.from && w.sequence === reply.sequence) {
          waiters.splice(i, 1);
          w.resolve(reply);
        }
      }
    } else counters.ignored++;
  }

  return {
    receive(frame) {
      const eth = parseEthernet(frame);
      if (!eth.ok) return void counters.malformed++;
      const { dst, src, etherType, payload } = eth.value;
      if (dst !== mac && dst !== BROADCAST_MAC) return void counters.ignored++;
      if (etherType === ETHERTYPE_ARP) onArp(payload);
      else if (etherType === ETHERTYPE_IPV4) onIpv4(src, payload);
      else counters.ignored++;
    },
    ping(targetIp, sequence, data = LAN_HOST_PING_DATA) {
      if (arpTable.has(targetIp)) return sendEcho(targetIp, sequence, data);
      // Unresolved: queue the echo and ask again each time, so a target that was not up for
      // the first ARP request is found by a later ping.
      const queued = pending.get(targetIp);
      if (queued) queued.push({ sequence, data });
      else pending.set(targetIp, [{ sequence, data }]);
      counters.arpRequestsSent++;
      const request = serializeArp({
        op: ARP_OP_REQUEST,
        senderMac: mac,
        senderIp: ip,
        targetMac: '00:00:00:00:00:00',
        targetIp,
      });
      send(serializeEthernet({ dst: BROADCAST_MAC, src: mac, etherType: ETHERTYPE_ARP, payload: request }));
    },
    nextEchoReply(fromIp, sequence) {
      const seen = replies.find((r) => r.from === fromIp && r.sequence === sequence);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ from: fromIp, sequence, resolve }));
    },
    replies,
    arpTable,
    counters,
  };
}
