// The processes of bench:gateway, each run inside one namespace by bench/gateway.ts and driven by
// JSON lines on stdin (replies are JSON lines on stdout):
//
//   peers ns: `peer`  signaling server + a RoomNode whose port sends paced test frames, a WebSocket
//                     client sending the same frames to the relay, and a real guest for wget
//   gw ns:    `sink`  a tap on br1 that counts the test frames the bridge hands it, and blasts
//                     frames back towards the peer for the reverse direction
//             `relay` jslinux-tap's design: a WebSocket server putting each connection on its own tap
//   wan ns:   `file`  HTTP server with a FILE_BYTES file
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';
import { WebSocket, WebSocketServer } from 'ws';
import { openTap } from '../gateway/tap.ts';
import { macBytes } from '../src/net/mac.ts';
import { createSignalingServer } from '../signaling/server.ts';
import { nodeWrtc } from '../src/p2p/node-webrtc.ts';
import { RoomNode } from '../src/p2p/room-node.ts';
import type { WebSocketConstructor } from '../src/p2p/signaling-client.ts';
import type { FramePort, Vm } from '../src/vm/types.ts';
import { bootGuest, ConsoleReader } from '../test/support/guest.ts';

/** Size of every test frame: a full 1500-byte MTU frame with its Ethernet header. */
export const FRAME_BYTES = 1514;
/** The sink tap's MAC: test frames are addressed to it, so the bridge sends them to the sink only. */
export const SINK_MAC = '02:00:00:00:00:bb';
/** The synthetic peer's MAC. */
export const PEER_MAC = '52:54:00:30:00:01';
/** The guest's MAC. */
export const GUEST_MAC = '52:54:00:30:00:02';
/** Size of the file the guest fetches from the wan. */
export const FILE_BYTES = 4 * 1024 * 1024;
// Senders stop queueing above this (the same bound PeerLink drops at), so nothing queues unbounded.
const HIGH_WATER_BYTES = 128 * 1024;
const MAX_PAYLOAD_BYTES = 9018;

const out = (line: unknown) => process.stdout.write(`${JSON.stringify(line)}\n`);
const tick = () => new Promise((r) => setImmediate(r));
type Command = Record<string, any>;

function onCommands(handle: (c: Command) => Promise<unknown> | unknown): void {
  let queue = Promise.resolve();
  createInterface({ input: process.stdin }).on('line', (line) => {
    queue = queue.then(async () => void out(await handle(JSON.parse(line) as Command))).catch((err: Error) => void out({ error: err.message }));
  });
}

/** Where test frames are addressed (TEST-NET-3): they are bridged to the sink, never routed. */
export const TEST_DST_IP = '203.0.113.99';

/** An IPv4/UDP frame from `srcMac`/`srcIp` to `dstMac`, FRAME_BYTES long with a valid header checksum; passes the spoof filter. */
export function testFrame(srcMac: string, srcIp: string, dstMac: string): Uint8Array {
  const f = new Uint8Array(FRAME_BYTES);
  f.set(macBytes(dstMac), 0);
  f.set(macBytes(srcMac), 6);
  const ip = 14;
  // Version 4, 20-byte header, total length 1500, don't fragment, TTL 64, UDP; UDP checksum 0 (none).
  f.set([0x08, 0x00, 0x45, 0, 0x05, 0xdc, 0, 0, 0x40, 0, 64, 17, 0, 0], 12);
  f.set(srcIp.split('.').map(Number), ip + 12);
  f.set(TEST_DST_IP.split('.').map(Number), ip + 16);
  f.set([0x13, 0x88, 0x00, 0x09, 0x05, 0xc8], ip + 20);
  let sum = 0;
  for (let i = ip; i < ip + 20; i += 2) sum += (f[i] << 8) | f[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  f[ip + 10] = (~sum >>> 8) & 0xff;
  f[ip + 11] = ~sum & 0xff;
  return f;
}

const isTo = (frame: Uint8Array, mac: Uint8Array) => frame.length === FRAME_BYTES && mac.every((b, i) => frame[i] === b);

// Sends `n` frames, waiting while the channel holds more than HIGH_WATER_BYTES.
async function paced(n: number, buffered: () => number, send: () => void): Promise<void> {
  for (let i = 0; i < n; i++) {
    while (buffered() > HIGH_WATER_BYTES) await tick();
    send();
    if ((i & 63) === 63) await tick();
  }
}

async function peer(host: string, room: string): Promise<void> {
  const server = createSignalingServer({ log: false });
  const url = `ws://${host}:${await server.listen(0, host)}/signal`;
  const listeners = new Set<(f: Uint8Array) => void>();
  const mine = macBytes(PEER_MAC);
  let received = 0;
  const port: FramePort = {
    counters: { framesIn: 0, bytesIn: 0, framesOut: 0, bytesOut: 0, dropped: {} },
    send: (f) => void (isTo(f, mine) && received++),
    onFrame: (l) => (listeners.add(l), () => listeners.delete(l)),
  };
  const ws = { WebSocket: WebSocket as unknown as WebSocketConstructor };
  const node = new RoomNode({ url, room, mac: PEER_MAC, port, wrtc: nodeWrtc, signaling: ws, mesh: { rttIntervalMs: 0 } });
  let relay: WebSocket | null = null;
  let guest: { vm: Vm; con: ConsoleReader; node: RoomNode | null } | null = null;
  const gatewayLink = () => {
    const gw = node.state().peers.find((p) => p.kind === 'gateway' && p.link === 'open');
    return gw ? node.mesh!.link(gw.peerId) : null;
  };
  out({ event: 'listening', url });
  onCommands(async (c) => {
    if (c.cmd === 'linked') {
      while (!gatewayLink()) await new Promise((r) => setTimeout(r, 50));
      return { event: 'linked', ip: node.state().ip };
    }
    if (c.cmd === 'received') return { event: 'received', count: received };
    if (c.cmd === 'send-room') {
      const link = gatewayLink()!;
      const f = testFrame(PEER_MAC, node.state().ip!, SINK_MAC);
      await paced(c.n, () => link.bufferedAmount, () => listeners.forEach((l) => l(f)));
      return { event: 'sent', dropped: link.counters.dropped };
    }
    if (c.cmd === 'relay-connect') {
      relay = new WebSocket(c.url, { maxPayload: MAX_PAYLOAD_BYTES });
      relay.on('message', (data: Buffer) => void (isTo(data, mine) && received++));
      await new Promise((r, j) => (relay!.once('open', r), relay!.once('error', j)));
      return { event: 'connected' };
    }
    if (c.cmd === 'send-relay') {
      const f = testFrame(PEER_MAC, node.state().ip!, SINK_MAC);
      await paced(c.n, () => relay!.bufferedAmount, () => relay!.send(f));
      return { event: 'sent' };
    }
    if (c.cmd === 'guest') {
      const vm = await bootGuest('nic', { mac: GUEST_MAC, consoleSize: { cols: 400, rows: 50 }, hostname: 'bench' });
      const con = new ConsoleReader(vm);
      const gnode = new RoomNode({ url, room, mac: GUEST_MAC, port: vm.nic, wrtc: nodeWrtc, signaling: ws, mesh: { rttIntervalMs: 0 } });
      guest = { vm, con, node: gnode };
      await vm.waitForPrompt();
      const m = await con.waitFor(/peerlinux: eth0 has address ([0-9.]+), router 10\.0\.2\.1\r?\n/, 60_000);
      return { event: 'guest', ip: m[1] };
    }
    if (c.cmd === 'wget') {
      const t0 = performance.now();
      const output = await guest!.con.run(`wget -q -O - ${c.url} | wc -c`, 120_000);
      return { event: 'fetched', seconds: (performance.now() - t0) / 1000, output };
    }
    if (c.cmd === 'guest-to-relay') {
      // The same guest, same address: its frames now go over a WebSocket to the relay's tap.
      guest!.node!.close();
      guest!.node = null;
      const sock = new WebSocket(c.url, { maxPayload: MAX_PAYLOAD_BYTES });
      await new Promise((r, j) => (sock.once('open', r), sock.once('error', j)));
      const nic = guest!.vm.nic;
      nic.onFrame((f) => sock.bufferedAmount < HIGH_WATER_BYTES && sock.send(f));
      sock.on('message', (data: Buffer) => nic.send(new Uint8Array(data)));
      // The bridge learns the guest on the relay's port from its first frame (the wget's SYN).
      return { event: 'moved' };
    }
    return { error: `unknown command ${c.cmd}` };
  });
}

function sink(bridge: string): void {
  const tap = openTap({ name: 'plsink', bridge });
  const mine = macBytes(SINK_MAC);
  let count = 0;
  tap.onFrame((f) => void (isTo(f, mine) && count++));
  // One frame from SINK_MAC teaches the bridge where it lives, so test frames are not flooded.
  tap.send(testFrame(SINK_MAC, '10.0.2.253', 'ff:ff:ff:ff:ff:ff'));
  out({ event: 'open', name: tap.name });
  onCommands(async (c) => {
    if (c.cmd === 'count') return { event: 'count', count };
    if (c.cmd === 'blast') {
      const f = testFrame(SINK_MAC, '10.0.2.253', c.dst);
      const before = tap.counters.dropped.kernelBusy ?? 0;
      for (let i = 0; i < c.n; i++) {
        tap.send(f);
        if ((i & 63) === 63) await tick();
      }
      return { event: 'blasted', kernelBusy: (tap.counters.dropped.kernelBusy ?? 0) - before };
    }
    return { error: `unknown command ${c.cmd}` };
  });
}

async function relay(host: string, bridge: string): Promise<void> {
  const wss = new WebSocketServer({ host, port: 0, maxPayload: MAX_PAYLOAD_BYTES });
  wss.on('connection', (ws) => {
    ws.on('error', () => undefined);
    const tap = openTap({ name: 'plrelay%d', bridge });
    ws.on('message', (data: Buffer) => tap.send(data));
    tap.onFrame((f) => ws.bufferedAmount < HIGH_WATER_BYTES && ws.send(f));
    ws.on('close', () => tap.close());
  });
  await new Promise((r) => wss.once('listening', r));
  out({ event: 'listening', url: `ws://${host}:${(wss.address() as { port: number }).port}` });
}

function file(host: string, port: number): void {
  const body = Buffer.alloc(FILE_BYTES, 0x61);
  createServer((_req, res) => res.writeHead(200, { 'content-length': FILE_BYTES }).end(body)).listen(port, host, () => out({ event: 'listening' }));
}

const [role, a = '', b = ''] = process.argv.slice(2);
if (role === 'peer') await peer(a, b);
else if (role === 'sink') sink(a);
else if (role === 'relay') await relay(a, b);
else if (role === 'file') file(a, Number(b));
