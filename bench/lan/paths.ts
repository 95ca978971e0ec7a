// The paths bench:lan compares, each carrying the same two guests' Ethernet frames:
//
//   direct: guest A port ─────────────────────────────────────────> guest B port   (emulator's limit)
//   relay:  guest A port ─> ws client ─> Node ws relay (own process) ─> ws client ─> guest B port (jslinux-tap's shape)
//   room:   guest A port ─> RoomNode ─> data channel (node-datachannel) ─> RoomNode ─> guest B port
//
// Both guests restore the template snapshot and take a DHCP lease from their own side (a local
// responder for direct and relay, the RoomNode for room), as a page would.
import { WebSocket } from 'ws';
import { createDhcpResponder, isDhcpFromClient } from '../../src/net/dhcp-responder.ts';
import { createRoomId } from '../../src/net/signal-ids.ts';
import { nodeWrtc } from '../../src/p2p/node-webrtc.ts';
import type { ChannelMode, LinkCounters } from '../../src/p2p/peer-link.ts';
import { MAX_BUFFERED_BYTES, MAX_FRAME_BYTES } from '../../src/p2p/peer-link.ts';
import { RoomNode } from '../../src/p2p/room-node.ts';
import type { WebSocketConstructor } from '../../src/p2p/signaling-client.ts';
import type { FramePort, Vm } from '../../src/vm/types.ts';
import { createSignalingServer } from '../../signaling/server.ts';
import { bootGuest, ConsoleReader, loadTemplate } from '../../test/support/guest.ts';
import type { GuestShell } from './measure.ts';
import { startRelayProcess } from './relay-process.ts';

/** The guest's link: `tty`, or `nic` at an MTU. */
export interface LinkSetup {
  readonly kind: 'tty' | 'nic';
  readonly mtu: number;
}

/** Two guests on a path, ready to measure. */
export interface PathPair {
  readonly a: GuestShell;
  readonly b: GuestShell;
  /** Sets the injected frame loss on both sides (room paths only). */
  setLoss?(rate: number): void;
  /** Each side's drops towards the other, by reason (paths that count them). */
  counters?(): PairCounters | Promise<PairCounters>;
  close(): Promise<void>;
}

/** Per side: frames dropped towards the other side, by reason. */
export type PairCounters = { a: Pick<LinkCounters, 'dropped'> | null; b: Pick<LinkCounters, 'dropped'> | null };

const MACS = ['52:54:00:4c:00:01', '52:54:00:4c:00:02'] as const;
const LEASE_WAIT_MS = 60_000;
const OPEN_WAIT_MS = 30_000;
const LEASE_IPS = ['10.0.2.15', '10.0.2.16'] as const;

interface Guest {
  vm: Vm;
  con: ConsoleReader;
  port: FramePort;
}

async function startGuest(link: LinkSetup, mac: string): Promise<Guest> {
  const vm = await bootGuest(link.kind, {
    mac,
    mtu: link.mtu,
    hostname: 'bench',
    consoleSize: { cols: 400, rows: 50 },
    snapshot: { kind: 'template', state: loadTemplate()! },
  });
  const con = new ConsoleReader(vm);
  return { vm, con, port: link.kind === 'tty' ? vm.tty : vm.nic };
}

async function shellOf(g: Guest): Promise<GuestShell> {
  await g.vm.waitForPrompt();
  const m = await g.con.waitFor(/peerlinux: \w+ has address (\d+\.\d+\.\d+\.\d+)(?:, router [0-9.]+)?\r?\n/, LEASE_WAIT_MS);
  return { ip: m[1], run: (cmd, ms) => g.con.run(cmd, ms) };
}

// Answers the guest's DHCP on its own port (as a page does) and hands every other frame to `out`.
function withLocalDhcp(g: Guest, i: 0 | 1, mtu: number, out: (frame: Uint8Array) => void): void {
  const ip = LEASE_IPS[i];
  const dhcp = createDhcpResponder({ guestMac: MACS[i], lease: { ip, netmask: '255.255.255.0', leaseSeconds: 3600, mtu } });
  g.port.onFrame((frame) => {
    if (!isDhcpFromClient(frame)) return out(frame);
    const reply = dhcp.handleFrame(frame);
    if (reply) g.port.send(reply);
  });
}

async function bothShells(ga: Guest, gb: Guest): Promise<[GuestShell, GuestShell]> {
  return Promise.all([shellOf(ga), shellOf(gb)]);
}

/** (a) The two guests' ports wired to each other in this process. */
export async function directPair(link: LinkSetup): Promise<PathPair> {
  const [ga, gb] = await Promise.all(MACS.map((m) => startGuest(link, m)));
  // Handed over on the next turn of the event loop, as any transport would: a frame delivered
  // synchronously lands inside the sending emulator's own tick.
  const later = (to: Guest) => (f: Uint8Array) => void setImmediate(() => to.port.send(f));
  withLocalDhcp(ga, 0, link.mtu, later(gb));
  withLocalDhcp(gb, 1, link.mtu, later(ga));
  const [a, b] = await bothShells(ga, gb);
  return { a, b, close: async () => void (await Promise.all([ga.vm.destroy(), gb.vm.destroy()])) };
}

/** (b) Each guest's frames over its own WebSocket to a Node relay process that forwards them to the other. */
export async function relayPair(link: LinkSetup): Promise<PathPair> {
  const relay = await startRelayProcess();
  const url = relay.url;
  const [ga, gb] = await Promise.all(MACS.map((m) => startGuest(link, m)));
  const clients: WebSocket[] = [];
  const dropped = [{} as Record<string, number>, {} as Record<string, number>];
  for (const [i, g] of [ga, gb].entries()) {
    const ws = new WebSocket(url, { maxPayload: MAX_FRAME_BYTES });
    ws.binaryType = 'nodebuffer';
    ws.on('error', () => {});
    ws.on('message', (data: Buffer) => g.port.send(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
    await new Promise((r, no) => (ws.once('open', r), ws.once('error', no)));
    clients.push(ws);
    // The same drop-over-limit backpressure as a data channel, so the paths differ only in transport.
    withLocalDhcp(g, i as 0 | 1, link.mtu, (f) => {
      if (ws.bufferedAmount + f.length > MAX_BUFFERED_BYTES) return void (dropped[i].bufferFull = (dropped[i].bufferFull ?? 0) + 1);
      ws.send(f);
    });
  }
  const [a, b] = await bothShells(ga, gb);
  const zero = { framesIn: 0, bytesIn: 0, framesOut: 0, bytesOut: 0, badIn: {} };
  return {
    a,
    b,
    counters: () => ({ a: { ...zero, dropped: dropped[0] }, b: { ...zero, dropped: dropped[1] } }),
    close: async () => {
      for (const ws of clients) ws.terminate();
      relay.close();
      await Promise.all([ga.vm.destroy(), gb.vm.destroy()]);
    },
  };
}

/** (c') Two RoomNodes in one room over node-datachannel, the page's code path under Node. */
export async function roomPair(link: LinkSetup, mode: ChannelMode): Promise<PathPair> {
  const server = createSignalingServer({ log: false, mtu: link.mtu });
  const port = await server.listen(0, '127.0.0.1');
  const url = `ws://127.0.0.1:${port}/signal`;
  const room = createRoomId();
  const [ga, gb] = await Promise.all(MACS.map((m) => startGuest(link, m)));
  const nodes = [ga, gb].map(
    (g, i) =>
      new RoomNode({
        url,
        room,
        mac: MACS[i],
        port: g.port,
        channelMode: mode,
        wrtc: nodeWrtc,
        signaling: { WebSocket: WebSocket as unknown as WebSocketConstructor },
        mesh: { rttIntervalMs: 0 },
      }),
  );
  const linkOf = (n: RoomNode) => {
    const peer = n.state().peers[0];
    return peer ? n.mesh?.link(peer.peerId) ?? null : null;
  };
  const close = async () => {
    for (const n of nodes) n.close();
    await server.close();
    await Promise.all([ga.vm.destroy(), gb.vm.destroy()]);
  };
  try {
    await until(() => nodes.every((n) => n.state().peers[0]?.link === 'open'), OPEN_WAIT_MS, 'the data channel did not open');
    const [a, b] = await bothShells(ga, gb);
    return {
      a,
      b,
      setLoss: (rate) => nodes.forEach((n) => linkOf(n) && (linkOf(n)!.lossRate = rate)),
      counters: () => ({ a: linkOf(nodes[0])?.counters ?? null, b: linkOf(nodes[1])?.counters ?? null }),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

async function until(ok: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!ok()) {
    if (performance.now() > end) throw new Error(what);
    await new Promise((r) => setTimeout(r, 50));
  }
}
