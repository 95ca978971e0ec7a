import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  createDhcpResponder,
  isDhcpFromClient,
  type DhcpLease,
  type DhcpResponderCounters,
} from '../src/net/dhcp-responder.ts';
import {
  ipOption,
  OPT_BROADCAST,
  OPT_DNS,
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
  uintOption,
  type DhcpPacket,
} from '../src/net/dhcp.ts';
import { parseEthernet, serializeEthernet } from '../src/net/ethernet.ts';
import { IPPROTO_UDP, parseIpv4, serializeIpv4 } from '../src/net/ipv4.ts';
import { parseUdp, serializeUdp } from '../src/net/udp.ts';
import { serializeArp } from '../src/net/arp.ts';
import { hex, toHex } from './support/bytes.ts';

const GUEST = '52:54:00:12:34:56';
const OTHER = '52:54:00:65:43:21';
const SERVER_MAC = '02:00:0a:00:02:01';
const LEASE: DhcpLease = {
  ip: '10.0.2.15',
  netmask: '255.255.255.0',
  router: '10.0.2.1',
  dns: ['10.0.2.3'],
  leaseSeconds: 3600,
  mtu: 1500,
  hostname: 'vm15',
};
const XID = 0x3903f326;
const DISCOVER = 1;
const REQUEST = 3;
const DECLINE = 4;
const RELEASE = 7;
const INFORM = 8;

interface ClientMessage {
  type?: number;
  ethSrc?: string;
  ethDst?: string;
  ipSrc?: string;
  ipDst?: string;
  chaddr?: string;
  ciaddr?: string;
  flags?: number;
  op?: number;
  options?: Array<[number, Uint8Array]>;
  // Applied to the DHCP bytes before they are wrapped (checksums stay valid).
  mutate?: (dhcp: Uint8Array) => Uint8Array;
}

// A client message as busybox udhcpc would send it: broadcast from 0.0.0.0 unless told otherwise.
function clientFrame(m: ClientMessage): Uint8Array {
  const options = new Map<number, Uint8Array>();
  if (m.type !== undefined) options.set(OPT_MESSAGE_TYPE, uintOption(m.type, 1));
  for (const [code, data] of m.options ?? []) options.set(code, data);
  const packet: DhcpPacket = {
    op: m.op ?? 1,
    xid: XID,
    secs: 0,
    flags: m.flags ?? 0,
    ciaddr: m.ciaddr ?? '0.0.0.0',
    yiaddr: '0.0.0.0',
    siaddr: '0.0.0.0',
    giaddr: '0.0.0.0',
    chaddr: m.chaddr ?? GUEST,
    options,
  };
  let dhcp = serializeDhcp(packet);
  if (m.mutate) dhcp = m.mutate(dhcp);
  const addrs = { src: m.ipSrc ?? '0.0.0.0', dst: m.ipDst ?? '255.255.255.255' };
  const udp = serializeUdp({ srcPort: 68, dstPort: 67, payload: dhcp }, addrs);
  const ip = serializeIpv4({ ...addrs, protocol: IPPROTO_UDP, payload: udp });
  return serializeEthernet({ dst: m.ethDst ?? 'ff:ff:ff:ff:ff:ff', src: m.ethSrc ?? GUEST, etherType: 0x0800, payload: ip });
}

// Decodes a reply through every layer, checking every checksum on the way.
function decode(frame: Uint8Array | null) {
  assert.ok(frame, 'expected a reply');
  const eth = parseEthernet(frame!);
  if (!eth.ok) throw new Error(eth.code);
  const ip = parseIpv4(eth.value.payload);
  if (!ip.ok) throw new Error(ip.code);
  const udp = parseUdp(ip.value.payload, ip.value);
  if (!udp.ok) throw new Error(udp.code);
  const dhcp = parseDhcp(udp.value.payload);
  if (!dhcp.ok) throw new Error(dhcp.code);
  return { eth: eth.value, ip: ip.value, udp: udp.value, dhcp: dhcp.value };
}

const zero = (): DhcpResponderCounters => ({
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
});

const fresh = (lease: DhcpLease = LEASE) => createDhcpResponder({ guestMac: GUEST, lease });
const selecting = (requested: string, server = '10.0.2.1'): ClientMessage => ({
  type: REQUEST,
  options: [
    [OPT_REQUESTED_IP, ipOption(requested)],
    [OPT_SERVER_ID, ipOption(server)],
  ],
});

// The OFFER for a udhcpc DISCOVER, written out field by field; checksums computed independently.
const EXPECTED_OFFER = hex(`
  525400123456 02000a000201 0800
  4500 014a 0000 0000 4011 6194 0a000201 0a00020f
  0043 0044 0136 1de6
  02 01 06 00  3903f326  0000 0000  00000000 0a00020f 00000000 00000000
  525400123456 ${'00'.repeat(10)} ${'00'.repeat(64)} ${'00'.repeat(128)}
  63825363
  350102 36040a000201 330400000e10 3a0400000708 3b0400000c4e
  0104ffffff00 1c040a0002ff 03040a000201 06040a000203 1a0205dc 0c04766d3135
  ff
`);

const handle = suite('createDhcpResponder: handleFrame');

handle('DISCOVER -> OFFER, exact bytes', () => {
  const r = fresh();
  const reply = r.handleFrame(
    clientFrame({
      type: DISCOVER,
      options: [
        [61, hex('01525400123456')],
        [55, hex('0103060c0f1c2a')],
        [57, uintOption(576, 2)],
      ],
    }),
  );
  assert.is(toHex(reply!), toHex(EXPECTED_OFFER));
  assert.equal(r.counters, { ...zero(), discover: 1, offer: 1 });
});

handle('DISCOVER with the broadcast flag -> OFFER broadcast, flag echoed', () => {
  const { eth, ip, dhcp } = decode(fresh().handleFrame(clientFrame({ type: DISCOVER, flags: 0x8000 })));
  assert.is(eth.dst, 'ff:ff:ff:ff:ff:ff');
  assert.is(ip.dst, '255.255.255.255');
  assert.is(dhcp.flags, 0x8000);
  assert.is(dhcp.yiaddr, '10.0.2.15');
});

handle('REQUEST (SELECTING) for our address -> ACK with every field', () => {
  const r = fresh();
  const reply = r.handleFrame(clientFrame(selecting('10.0.2.15')));
  assert.is(reply!.length, EXPECTED_OFFER.length);
  const { eth, ip, udp, dhcp } = decode(reply);
  assert.equal([eth.dst, eth.src, eth.etherType], [GUEST, SERVER_MAC, 0x0800]);
  assert.equal([ip.src, ip.dst, ip.ttl, ip.protocol], ['10.0.2.1', '10.0.2.15', 64, IPPROTO_UDP]);
  assert.equal([udp.srcPort, udp.dstPort, udp.payload.length], [67, 68, 302]);
  const { options, ...fields } = dhcp;
  assert.equal(fields, {
    op: 2,
    xid: XID,
    secs: 0,
    flags: 0,
    ciaddr: '0.0.0.0',
    yiaddr: '10.0.2.15',
    siaddr: '0.0.0.0',
    giaddr: '0.0.0.0',
    chaddr: GUEST,
  });
  assert.equal([...options.keys()], [53, 54, 51, 58, 59, 1, 28, 3, 6, 26, 12]);
  assert.is(readUintOption(dhcp, OPT_MESSAGE_TYPE), 5);
  assert.equal(readIpOption(dhcp, OPT_SERVER_ID), ['10.0.2.1']);
  assert.is(readUintOption(dhcp, OPT_LEASE_SECONDS), 3600);
  assert.is(readUintOption(dhcp, OPT_RENEWAL_SECONDS), 1800);
  assert.is(readUintOption(dhcp, OPT_REBINDING_SECONDS), 3150);
  assert.equal(readIpOption(dhcp, OPT_SUBNET_MASK), ['255.255.255.0']);
  assert.equal(readIpOption(dhcp, OPT_BROADCAST), ['10.0.2.255']);
  assert.equal(readIpOption(dhcp, OPT_ROUTER), ['10.0.2.1']);
  assert.equal(readIpOption(dhcp, OPT_DNS), ['10.0.2.3']);
  assert.is(readUintOption(dhcp, OPT_MTU), 1500);
  assert.is(new TextDecoder().decode(options.get(OPT_HOSTNAME)), 'vm15');
  assert.equal(r.counters, { ...zero(), request: 1, ack: 1 });
});

function assertNak(reply: Uint8Array | null) {
  assert.is(reply!.length, 14 + 20 + 8 + 300);
  const { eth, ip, dhcp } = decode(reply);
  assert.equal([eth.dst, ip.dst], ['ff:ff:ff:ff:ff:ff', '255.255.255.255']);
  assert.equal([dhcp.op, dhcp.xid, dhcp.yiaddr, dhcp.ciaddr, dhcp.chaddr], [2, XID, '0.0.0.0', '0.0.0.0', GUEST]);
  assert.equal([...dhcp.options.keys()], [53, 54]);
  assert.is(readUintOption(dhcp, OPT_MESSAGE_TYPE), 6);
}

handle('REQUEST (SELECTING) for another address -> NAK, broadcast', () => {
  const r = fresh();
  assertNak(r.handleFrame(clientFrame(selecting('10.0.2.99'))));
  assert.equal(r.counters, { ...zero(), request: 1, nak: 1 });
});

handle('REQUEST naming another server -> ignored', () => {
  const r = fresh();
  assert.is(r.handleFrame(clientFrame(selecting('10.0.2.15', '10.0.2.2'))), null);
  assert.equal(r.counters, { ...zero(), request: 1, ignoredOtherServer: 1 });
});

handle('REQUEST (INIT-REBOOT) -> ACK for our address, NAK otherwise', () => {
  const r = fresh();
  const ours = decode(r.handleFrame(clientFrame({ type: REQUEST, options: [[OPT_REQUESTED_IP, ipOption('10.0.2.15')]] })));
  assert.equal([readUintOption(ours.dhcp, OPT_MESSAGE_TYPE), ours.dhcp.yiaddr], [5, '10.0.2.15']);
  assertNak(r.handleFrame(clientFrame({ type: REQUEST, options: [[OPT_REQUESTED_IP, ipOption('10.0.2.16')]] })));
  assertNak(r.handleFrame(clientFrame({ type: REQUEST })));
  assert.equal(r.counters, { ...zero(), request: 3, ack: 1, nak: 2 });
});

handle('REQUEST (RENEWING, ciaddr set, unicast) -> ACK unicast to ciaddr', () => {
  const r = fresh();
  const renew = clientFrame({ type: REQUEST, ciaddr: '10.0.2.15', ipSrc: '10.0.2.15', ipDst: '10.0.2.1', ethDst: '02:00:00:00:00:01' });
  const reply = r.handleFrame(renew);
  assert.is(reply!.length, EXPECTED_OFFER.length);
  const { eth, ip, dhcp } = decode(reply);
  assert.equal([eth.dst, ip.dst], [GUEST, '10.0.2.15']);
  assert.equal([dhcp.ciaddr, dhcp.yiaddr, readUintOption(dhcp, OPT_MESSAGE_TYPE)], ['10.0.2.15', '10.0.2.15', 5]);
  assert.is(readUintOption(dhcp, OPT_LEASE_SECONDS), 3600);
  assert.equal(r.counters, { ...zero(), request: 1, ack: 1 });
});

handle('REQUEST (REBINDING) for an address that is no longer ours -> NAK', () => {
  const r = fresh();
  assertNak(r.handleFrame(clientFrame({ type: REQUEST, ciaddr: '10.0.2.16', ipSrc: '10.0.2.16' })));
  assert.equal(r.counters, { ...zero(), request: 1, nak: 1 });
});

handle('INFORM -> ACK with configuration but no lease and no yiaddr', () => {
  const r = fresh();
  const { ip, dhcp } = decode(r.handleFrame(clientFrame({ type: INFORM, ciaddr: '10.0.2.15', ipSrc: '10.0.2.15' })));
  assert.is(ip.dst, '10.0.2.15');
  assert.equal([dhcp.ciaddr, dhcp.yiaddr], ['10.0.2.15', '0.0.0.0']);
  assert.equal([...dhcp.options.keys()], [53, 54, 1, 28, 3, 6, 26, 12]);
  assert.equal(r.counters, { ...zero(), inform: 1, ack: 1 });
});

handle('RELEASE and DECLINE get no reply and are counted', () => {
  const r = fresh();
  assert.is(r.handleFrame(clientFrame({ type: RELEASE, ciaddr: '10.0.2.15', ipSrc: '10.0.2.15' })), null);
  assert.is(r.handleFrame(clientFrame({ type: DECLINE, options: [[OPT_REQUESTED_IP, ipOption('10.0.2.15')]] })), null);
  assert.equal(r.counters, { ...zero(), release: 1, decline: 1 });
});

const arp = serializeEthernet({
  dst: 'ff:ff:ff:ff:ff:ff',
  src: GUEST,
  etherType: 0x0806,
  payload: serializeArp({ op: 1, senderMac: GUEST, senderIp: '10.0.2.15', targetMac: '00:00:00:00:00:00', targetIp: '10.0.2.1' }),
});
const truncatedIp = clientFrame({ type: DISCOVER }).subarray(0, 200);
const badUdpChecksum = clientFrame({ type: DISCOVER });
badUdpChecksum[14 + 20 + 6] ^= 0xff;

const IGNORED: Array<[string, Uint8Array, Partial<DhcpResponderCounters>]> = [
  ['an ARP frame', arp, { notDhcp: 1 }],
  ['a runt frame', hex('ffffffffffff 525400123456 0800'), { notDhcp: 1 }],
  ['frame cut inside the DHCP message', truncatedIp, { malformed: 1 }],
  ['bad UDP checksum', badUdpChecksum, { malformed: 1 }],
  ['DHCP cut to 200 bytes', clientFrame({ type: DISCOVER, mutate: (d) => d.subarray(0, 200) }), { malformed: 1 }],
  ['bad magic cookie', clientFrame({ type: DISCOVER, mutate: (d) => (d.fill(0, 236, 240), d) }), { malformed: 1 }],
  ['options overrunning', clientFrame({ type: DISCOVER, mutate: (d) => d.subarray(0, 242) }), { malformed: 1 }],
  ['options without END', clientFrame({ type: DISCOVER, mutate: (d) => d.fill(0, 243) }), { malformed: 1 }],
  ['wrong op (BOOTREPLY)', clientFrame({ type: DISCOVER, op: 2 }), { malformed: 1 }],
  ['from another MAC', clientFrame({ type: DISCOVER, ethSrc: OTHER, chaddr: OTHER }), { ignoredForeignMac: 1 }],
  ['our MAC asking for another chaddr', clientFrame({ type: DISCOVER, chaddr: OTHER }), { ignoredForeignMac: 1 }],
  ['plain BOOTP (no message type)', clientFrame({}), { unsupported: 1 }],
  ['unknown message type', clientFrame({ type: 42 }), { unsupported: 1 }],
];
for (const [name, frame, counted] of IGNORED) {
  handle(`ignores and counts: ${name}`, () => {
    const r = fresh();
    assert.is(r.handleFrame(frame), null);
    assert.equal(r.counters, { ...zero(), ...counted });
    // A good DISCOVER still gets its OFFER afterwards.
    assert.ok(r.handleFrame(clientFrame({ type: DISCOVER })));
  });
}

handle('accepts the guest MAC in upper case', () => {
  const r = createDhcpResponder({ guestMac: GUEST.toUpperCase(), lease: LEASE });
  assert.ok(r.handleFrame(clientFrame({ type: DISCOVER })));
});

const setLease = suite('createDhcpResponder: setLease');

setLease('drops router, DNS and MTU when unset (no gateway)', () => {
  const r = fresh();
  r.setLease({ ip: '10.0.2.15', netmask: '255.255.255.0', leaseSeconds: 600 });
  const reply = r.handleFrame(clientFrame({ type: DISCOVER }));
  const { dhcp } = decode(reply);
  assert.equal([...dhcp.options.keys()], [53, 54, 51, 58, 59, 1, 28]);
  assert.is(readUintOption(dhcp, OPT_RENEWAL_SECONDS), 300);
  assert.is(readUintOption(dhcp, OPT_REBINDING_SECONDS), 525);
  assert.is(reply!.length, 14 + 20 + 8 + 300);
});

setLease('a changed address NAKs the old one at renewal', () => {
  const r = fresh();
  r.setLease({ ...LEASE, ip: '10.0.2.20' });
  assertNak(r.handleFrame(clientFrame({ type: REQUEST, ciaddr: '10.0.2.15', ipSrc: '10.0.2.15' })));
  assert.is(decode(r.handleFrame(clientFrame({ type: DISCOVER }))).dhcp.yiaddr, '10.0.2.20');
  assert.is(r.lease.ip, '10.0.2.20');
});

const MISUSE: Array<[string, Partial<DhcpLease>, string]> = [
  ['bad ip', { ip: '10.0.2' }, 'ERR_BAD_ADDRESS'],
  ['bad dns', { dns: ['x'] }, 'ERR_BAD_ADDRESS'],
  ['zero lease', { leaseSeconds: 0 }, 'ERR_BAD_LEASE'],
  ['mtu 67', { mtu: 67 }, 'ERR_BAD_LEASE'],
];
for (const [name, change, code] of MISUSE) {
  setLease(`throws ${code} on ${name}`, () => {
    const r = fresh();
    try {
      r.setLease({ ...LEASE, ...change });
      assert.unreachable();
    } catch (err) {
      assert.is((err as { code?: string }).code, code);
    }
    assert.is(r.lease.ip, LEASE.ip);
  });
}

const detect = suite('isDhcpFromClient');
const udpTo = (port: number) =>
  serializeEthernet({
    dst: 'ff:ff:ff:ff:ff:ff',
    src: GUEST,
    etherType: 0x0800,
    payload: serializeIpv4({
      src: '0.0.0.0',
      dst: '255.255.255.255',
      protocol: IPPROTO_UDP,
      payload: serializeUdp({ srcPort: 68, dstPort: port, payload: hex('00') }, { src: '0.0.0.0', dst: '255.255.255.255' }),
    }),
  });
const fragment = udpTo(67);
fragment[14 + 7] = 1; // fragment offset 8 bytes
const DETECT: Array<[string, Uint8Array, boolean]> = [
  ['a DISCOVER', clientFrame({ type: DISCOVER }), true],
  ['any UDP to port 67', udpTo(67), true],
  ['UDP to port 68', udpTo(68), false],
  ['UDP to port 53', udpTo(53), false],
  ['a later fragment', fragment, false],
  ['ARP', arp, false],
  ['too short', udpTo(67).subarray(0, 41), false],
];
for (const [name, frame, expected] of DETECT) {
  detect(`${name} -> ${expected}`, () => assert.is(isDhcpFromClient(frame), expected));
}

handle.run();
setLease.run();
detect.run();
