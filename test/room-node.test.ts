// RoomNode with the real signaling server (port 0) and real WebRTC (node-datachannel): first with
// in-memory frame ports standing in for guests, then with real guests booted in v86 that take
// their leases and ping each other across the mesh.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { WebSocket } from 'ws';
import { OPT_MESSAGE_TYPE, OPT_ROUTER, parseDhcp, readIpOption, readUintOption, serializeDhcp, uintOption } from '../src/net/dhcp.ts';
import { DHCP_SERVER_IP } from '../src/net/dhcp-responder.ts';
import { BROADCAST_MAC } from '../src/net/mac.ts';
import { ETHERTYPE_IPV4, parseEthernet, serializeEthernet } from '../src/net/ethernet.ts';
import { IPPROTO_UDP, parseIpv4, serializeIpv4 } from '../src/net/ipv4.ts';
import { parseUdp, serializeUdp } from '../src/net/udp.ts';
import { nodeWrtc } from '../src/p2p/node-webrtc.ts';
import type { RoomNodeOptions } from '../src/p2p/room-node.ts';
import { ISOLATED_LEASE_SECONDS, LEASE_SECONDS, LOCAL_PORT, RoomNode } from '../src/p2p/room-node.ts';
import type { WebSocketConstructor } from '../src/p2p/signaling-client.ts';
import { createFramePort } from '../src/vm/frame-port.ts';
import type { FramePort, LinkKind, Vm } from '../src/vm/types.ts';
import { joinRoom, newRoom, startServer, until, type Started } from './signaling-harness.ts';
import { bootGuest, ConsoleReader } from './support/guest.ts';
import { createTestInterface, type TestInterface } from './support/webrtc-net.ts';

/** A frame port standing in for a guest: `toGuest` records what the node sends, `fromGuest` injects. */
function fakeGuest(): { port: FramePort; toGuest: Uint8Array[]; fromGuest: (f: Uint8Array) => void } {
  const toGuest: Uint8Array[] = [];
  const [port, sink] = createFramePort((f) => {
    toGuest.push(f);
    return null;
  });
  return { port, toGuest, fromGuest: (f) => sink.deliver(f) };
}

function ethFrame(dst: string, src: string, fill: number): Uint8Array {
  return serializeEthernet({ dst, src, etherType: 0x88b5, payload: new Uint8Array(46).fill(fill) });
}

function discover(mac: string): Uint8Array {
  const dhcp = serializeDhcp({
    op: 1,
    xid: 0x1234,
    secs: 0,
    flags: 0,
    ciaddr: '0.0.0.0',
    yiaddr: '0.0.0.0',
    siaddr: '0.0.0.0',
    giaddr: '0.0.0.0',
    chaddr: mac,
    options: new Map([[OPT_MESSAGE_TYPE, uintOption(1, 1)]]),
  });
  const udp = serializeUdp({ srcPort: 68, dstPort: 67, payload: dhcp }, { src: '0.0.0.0', dst: '255.255.255.255' });
  const ip = serializeIpv4({ src: '0.0.0.0', dst: '255.255.255.255', protocol: IPPROTO_UDP, payload: udp });
  return serializeEthernet({ dst: BROADCAST_MAC, src: mac, etherType: ETHERTYPE_IPV4, payload: ip });
}

function offerOf(frame: Uint8Array): { yiaddr: string; type: number | undefined; router: string[] | undefined } {
  const eth = parseEthernet(frame);
  if (!eth.ok) throw new Error('not ethernet');
  const ip = parseIpv4(eth.value.payload);
  if (!ip.ok) throw new Error('not ipv4');
  const udp = parseUdp(ip.value.payload, ip.value);
  if (!udp.ok) throw new Error('not udp');
  const d = parseDhcp(udp.value.payload);
  if (!d.ok) throw new Error('not dhcp');
  return { yiaddr: d.value.yiaddr, type: readUintOption(d.value, OPT_MESSAGE_TYPE), router: readIpOption(d.value, OPT_ROUTER) };
}

let net: TestInterface;
let srv: Started;
const nodes: RoomNode[] = [];

function node(room: string, mac: string, port: FramePort, extra: Partial<RoomNodeOptions> = {}): RoomNode {
  const n = new RoomNode({
    url: srv.url,
    room,
    mac,
    port,
    wrtc: nodeWrtc,
    signaling: { WebSocket: WebSocket as unknown as WebSocketConstructor },
    mesh: { rttIntervalMs: 0 },
    ...extra,
  });
  nodes.push(n);
  return n;
}

const allOpen = (n: RoomNode, count: number) => n.state().peers.length === count && n.state().peers.every((p) => p.link === 'open');

const setup = suite('room setup');
setup('starts the server and the test interface', async () => {
  net = createTestInterface();
  srv = await startServer();
});
setup.run();

const basics = suite('RoomNode');

basics.after.each(() => {
  for (const n of nodes.splice(0)) n.close();
});

basics('joins, links to every member and shows each one with ip, mac, kind and link state', async () => {
  const room = newRoom();
  const macs = ['52:54:00:00:00:0a', '52:54:00:00:00:0b', '52:54:00:00:00:0c'];
  const ns = macs.map((m) => node(room, m, fakeGuest().port));
  await until(() => ns.every((n) => allOpen(n, 2)), 20000);
  const ips = ns.map((n) => n.state().ip);
  assert.is(new Set(ips).size, 3);
  for (const [i, n] of ns.entries()) {
    const s = n.state();
    assert.is(s.signaling, 'joined');
    assert.is(s.network, 'isolated');
    assert.is(s.mac, macs[i]);
    const others = [0, 1, 2].filter((k) => k !== i);
    assert.equal(
      s.peers.map((p) => [p.ip, p.mac, p.kind, p.link]).sort(),
      others.map((k) => [ips[k], macs[k], 'vm', 'open']).sort(),
    );
  }
});

basics('answers its guest\'s DHCP with its own address; DHCP never crosses the mesh', async () => {
  const room = newRoom();
  const g1 = fakeGuest();
  const g2 = fakeGuest();
  const n1 = node(room, '52:54:00:00:01:01', g1.port);
  const n2 = node(room, '52:54:00:00:01:02', g2.port);
  await until(() => allOpen(n1, 1) && allOpen(n2, 1), 20000);
  g1.fromGuest(discover('52:54:00:00:01:01'));
  assert.is(g1.toGuest.length, 1);
  const offer = offerOf(g1.toGuest[0]);
  assert.equal(offer, { yiaddr: n1.state().ip!, type: 2, router: undefined });
  assert.is(n1.dhcp!.lease.leaseSeconds, ISOLATED_LEASE_SECONDS);
  assert.is(n1.counters.dhcpReplies, 1);
  assert.is(n1.switch.counters(LOCAL_PORT)!.framesIn, 0);
  assert.is(n1.state().peers[0].framesOut, 0);
  assert.is(g2.toGuest.length, 0);
});

basics('switches unicast to the announced owner only, floods broadcast, never forwards peer to peer', async () => {
  const room = newRoom();
  const [ma, mb, mc] = ['52:54:00:00:02:0a', '52:54:00:00:02:0b', '52:54:00:00:02:0c'];
  const [ga, gb, gc] = [fakeGuest(), fakeGuest(), fakeGuest()];
  const [na, nb, nc] = [node(room, ma, ga.port), node(room, mb, gb.port), node(room, mc, gc.port)];
  await until(() => [na, nb, nc].every((n) => allOpen(n, 2) && n.state().peers.every((p) => p.mac !== null)), 20000);
  const uni = ethFrame(mb, ma, 1);
  ga.fromGuest(uni);
  await until(() => gb.toGuest.length === 1);
  const bcast = ethFrame(BROADCAST_MAC, ma, 2);
  ga.fromGuest(bcast);
  await until(() => gb.toGuest.length === 2 && gc.toGuest.length === 1);
  // Let any wrongly forwarded copy arrive: a round trip from C to B and back after the broadcast.
  const probe = ethFrame(mb, mc, 3);
  gc.fromGuest(probe);
  await until(() => gb.toGuest.length === 3);
  assert.equal(gb.toGuest.map((f) => Array.from(f)), [uni, bcast, probe].map((f) => Array.from(f)));
  assert.equal(gc.toGuest.map((f) => Array.from(f)), [Array.from(bcast)]);
  assert.is(ga.toGuest.length, 0);
  const peerB = nb.switch.counters(na.state().peerId!)!;
  assert.equal([peerB.framesIn, peerB.framesOut, peerB.dropped], [2, 0, {}]);
  assert.equal(na.state().peers.map((p) => [p.mac, p.framesOut]).sort(), [[mb, 2], [mc, 1]]);
});

basics('offers router and DNS only while a gateway is in the room', async () => {
  const room = newRoom();
  const g = fakeGuest();
  const n = node(room, '52:54:00:00:03:01', g.port);
  const changes: string[] = [];
  n.on('change', () => changes.push(n.state().network));
  await until(() => n.state().signaling === 'joined');
  assert.is(n.state().network, 'isolated');
  const { c: gw } = await joinRoom(srv.url, room, { kind: 'gateway' });
  await until(() => n.state().network === 'internet');
  assert.equal(n.state().peers.map((p) => [p.ip, p.kind]), [['10.0.2.1', 'gateway']]);
  assert.equal([n.dhcp!.lease.router, n.dhcp!.lease.dns, n.dhcp!.lease.leaseSeconds], [DHCP_SERVER_IP, [DHCP_SERVER_IP], LEASE_SECONDS]);
  g.fromGuest(discover('52:54:00:00:03:01'));
  assert.equal(offerOf(g.toGuest[0]).router, [DHCP_SERVER_IP]);
  gw.close(1000);
  await until(() => n.state().network === 'isolated');
  assert.equal([n.dhcp!.lease.router, n.dhcp!.lease.dns, n.dhcp!.lease.leaseSeconds], [undefined, undefined, ISOLATED_LEASE_SECONDS]);
  assert.ok(changes.includes('internet'));
});

basics('closes the link and the switch port of a member that left', async () => {
  const room = newRoom();
  const n1 = node(room, '52:54:00:00:04:01', fakeGuest().port);
  const n2 = node(room, '52:54:00:00:04:02', fakeGuest().port);
  await until(() => allOpen(n1, 1) && allOpen(n2, 1), 20000);
  const id2 = n2.state().peerId!;
  const link = n1.mesh!.link(id2)!;
  n2.close();
  await until(() => n1.state().peers.length === 0);
  assert.is(link.state, 'closed');
  assert.equal(n1.switch.portIds(), [{ id: LOCAL_PORT, kind: 'local' }]);
  assert.equal(n1.mesh!.status(), []);
});

basics('counts guest DHCP that comes before the welcome', () => {
  const g = fakeGuest();
  const n = node(newRoom(), '52:54:00:00:05:01', g.port);
  g.fromGuest(discover('52:54:00:00:05:01'));
  assert.is(n.counters.dhcpBeforeLease, 1);
  assert.is(g.toGuest.length, 0);
});

// Two real guests, each on its own node: leases from the server, then ping across the mesh.
const guests = suite('RoomNode with real guests');

const PAIRS: Array<[Exclude<LinkKind, 'none'>, Exclude<LinkKind, 'none'>]> = [
  ['tty', 'tty'],
  ['nic', 'nic'],
  ['tty', 'nic'],
];

for (const [k1, k2] of PAIRS) {
  guests(`${k1} and ${k2} guests get distinct leases and ping each other with 0% loss`, async () => {
    const room = newRoom();
    const vms: Vm[] = [];
    try {
      const macs = ['52:54:00:10:00:01', '52:54:00:10:00:02'];
      const kinds = [k1, k2];
      const setups: Array<{ vm: Vm; con: ConsoleReader; n: RoomNode; iface: string }> = [];
      for (let i = 0; i < 2; i++) {
        const vm = await bootGuest(kinds[i], { mac: macs[i], consoleSize: { cols: 400, rows: 50 }, hostname: `g${i}` });
        vms.push(vm);
        const con = new ConsoleReader(vm);
        const n = node(room, macs[i], kinds[i] === 'tty' ? vm.tty : vm.nic);
        setups.push({ vm, con, n, iface: kinds[i] === 'tty' ? 'tap0' : 'eth0' });
      }
      await until(() => setups.every((s) => allOpen(s.n, 1)), 20000);
      const ips = setups.map((s) => s.n.state().ip!);
      assert.is.not(ips[0], ips[1]);
      for (const [i, s] of setups.entries()) {
        await s.vm.waitForPrompt();
        await s.con.waitFor(new RegExp(`peerlinux: ${s.iface} has address ${ips[i].replace(/\./g, '\\.')}(, router [0-9.]+)?\\r?\\n`), 30000);
      }
      const out0 = await setups[0].con.run(`ping -c 5 -W 5 ${ips[1]}`, 40000);
      assert.match(out0, '5 packets transmitted, 5 packets received, 0% packet loss');
      const out1 = await setups[1].con.run(`ping -c 5 -W 5 ${ips[0]}`, 40000);
      assert.match(out1, '5 packets transmitted, 5 packets received, 0% packet loss');
      // The guests' DHCP stayed on their own nodes.
      for (const s of setups) {
        assert.is(s.n.dhcp!.counters.ack >= 1, true);
        assert.equal(s.n.state().peers[0].dropped, 0);
      }
    } finally {
      for (const n of nodes.splice(0)) n.close();
      for (const vm of vms) await vm.destroy();
    }
  });
}

guests.after(async () => {
  await srv.server.close();
  net.remove();
});

basics.run();
guests.run();
