// The gateway's per-peer source checks, with exact drop counters.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SpoofFilter, SPOOF_DROP_REASONS } from '../gateway/spoof-filter.ts';
import { ARP_OP_REPLY, ARP_OP_REQUEST, serializeArp } from '../src/net/arp.ts';
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6, serializeEthernet } from '../src/net/ethernet.ts';
import { IPPROTO_UDP, serializeIpv4 } from '../src/net/ipv4.ts';
import { serializeUdp } from '../src/net/udp.ts';

const MAC = '52:54:00:00:00:05';
const OTHER_MAC = '52:54:00:00:00:06';
const IP = '10.0.2.5';
const BROADCAST = 'ff:ff:ff:ff:ff:ff';

function arp(op: number, senderMac: string, senderIp: string, src = MAC): Uint8Array {
  const payload = serializeArp({ op, senderMac, senderIp, targetMac: '00:00:00:00:00:00', targetIp: '10.0.2.1' });
  return serializeEthernet({ dst: BROADCAST, src, etherType: ETHERTYPE_ARP, payload });
}

function udp(srcIp: string, srcPort: number, dstPort: number, src = MAC): Uint8Array {
  const payload = serializeUdp({ srcPort, dstPort, payload: new Uint8Array(8) }, { src: srcIp, dst: '10.0.2.1' });
  return serializeEthernet({ dst: '02:70:6c:67:77:01', src, etherType: ETHERTYPE_IPV4, payload: serializeIpv4({ src: srcIp, dst: '10.0.2.1', protocol: IPPROTO_UDP, payload }) });
}

const check = suite('SpoofFilter.check');

const cases: Array<[string, Uint8Array, string | null]> = [
  ['IPv4 from its lease', udp(IP, 40000, 53), null],
  ['DHCP from 0.0.0.0', udp('0.0.0.0', 68, 67), null],
  ['ARP request from its MAC and lease', arp(ARP_OP_REQUEST, MAC, IP), null],
  ['ARP reply from its MAC and lease', arp(ARP_OP_REPLY, MAC, IP), null],
  ['ARP probe (sender 0.0.0.0)', arp(ARP_OP_REQUEST, MAC, '0.0.0.0'), null],
  ['a spoofed Ethernet source', udp(IP, 40000, 53, OTHER_MAC), 'sourceMac'],
  ["another peer's address", udp('10.0.2.6', 40000, 53), 'ipSource'],
  ['a public source address', udp('203.0.113.9', 40000, 53), 'ipSource'],
  ['0.0.0.0 but not DHCP', udp('0.0.0.0', 68, 53), 'ipSource'],
  ['ARP claiming another MAC', arp(ARP_OP_REPLY, OTHER_MAC, IP), 'arpSenderMac'],
  ['ARP claiming another address (poisoning)', arp(ARP_OP_REPLY, MAC, '10.0.2.1'), 'arpSenderIp'],
  ['IPv6', serializeEthernet({ dst: BROADCAST, src: MAC, etherType: ETHERTYPE_IPV6, payload: new Uint8Array(40) }), 'ethertype'],
  ['a 13-byte frame', new Uint8Array(13), 'runt'],
  ['a truncated ARP', arp(ARP_OP_REQUEST, MAC, IP).subarray(0, 14 + 27), 'runt'],
  ['a truncated IPv4 header', udp(IP, 1, 2).subarray(0, 14 + 19), 'runt'],
  ['IPv4 with version 6 in the header', (() => { const f = udp(IP, 1, 2); f[14] = 0x65; return f; })(), 'malformed'],
  ['ARP for another protocol', (() => { const f = arp(ARP_OP_REQUEST, MAC, IP); f[16] = 0x86; return f; })(), 'malformed'],
];

for (const [what, frame, want] of cases) {
  check(`${what}: ${want ?? 'accepted'}`, () => {
    const filter = new SpoofFilter();
    filter.setPeer('p1', { mac: MAC, ip: IP });
    assert.is(filter.check('p1', frame), want);
    const expected = Object.fromEntries(SPOOF_DROP_REASONS.map((r) => [r, r === want ? 1 : 0]));
    assert.equal(filter.dropped, expected);
    assert.equal(filter.peerDrops('p1'), want ? { [want]: 1 } : {});
  });
}

check('a frame from a peer with no identity yet is unknownPeer, not counted per peer', () => {
  const filter = new SpoofFilter();
  assert.is(filter.check('p9', udp(IP, 1, 2)), 'unknownPeer');
  assert.is(filter.dropped.unknownPeer, 1);
  assert.equal(filter.peerDrops('p9'), {});
});
check.run();

const peers = suite('SpoofFilter.setPeer / removePeer');
peers('a new lease replaces the old; removal forgets the peer and its counts', () => {
  const filter = new SpoofFilter();
  filter.setPeer('p1', { mac: MAC, ip: IP });
  assert.is(filter.check('p1', udp('10.0.2.7', 1, 2)), 'ipSource');
  filter.setPeer('p1', { mac: MAC, ip: '10.0.2.7' });
  assert.is(filter.check('p1', udp('10.0.2.7', 1, 2)), null);
  filter.removePeer('p1');
  assert.equal(filter.peerDrops('p1'), {});
  assert.is(filter.check('p1', udp('10.0.2.7', 1, 2)), 'unknownPeer');
});
peers('a malformed MAC or address throws ERR_BAD_ADDRESS', () => {
  const filter = new SpoofFilter();
  assert.throws(() => filter.setPeer('p1', { mac: 'nope', ip: IP }), (e: { code?: string }) => e.code === 'ERR_BAD_ADDRESS');
  assert.throws(() => filter.setPeer('p1', { mac: MAC, ip: '10.0.2' }), (e: { code?: string }) => e.code === 'ERR_BAD_ADDRESS');
});
peers.run();
