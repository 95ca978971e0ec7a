// Runs inside the "peers" namespace for test/gateway-e2e.test.ts: a signaling server on the given
// address, and real guests (v86 under Node) each on its own RoomNode. JSON-line commands:
//   {cmd:'guest', mac, link}          boots a guest and joins it; -> {event:'guest', index, ip}
//   {cmd:'run', index, line, timeoutMs} runs a shell line on that guest; -> {event:'ran', output}
//   {cmd:'state', index}              -> {event:'state', state} (RoomNode state + DHCP lease)
//   {cmd:'inject', index, hex}        sends a raw frame from that node into the room as if from its guest
import { createInterface } from 'node:readline';
import { WebSocket } from 'ws';
import { createSignalingServer } from '../../signaling/server.ts';
import { nodeWrtc } from '../../src/p2p/node-webrtc.ts';
import { LOCAL_PORT, RoomNode } from '../../src/p2p/room-node.ts';
import type { WebSocketConstructor } from '../../src/p2p/signaling-client.ts';
import type { LinkKind, Vm } from '../../src/vm/types.ts';
import { bootGuest, ConsoleReader } from '../support/guest.ts';

const [host = '127.0.0.1', room = ''] = process.argv.slice(2);
const out = (line: unknown) => process.stdout.write(`${JSON.stringify(line)}\n`);
const guests: Array<{ vm: Vm; con: ConsoleReader; node: RoomNode }> = [];

const server = createSignalingServer({ log: false });
const port = await server.listen(0, host);
const url = `ws://${host}:${port}/signal`;
out({ event: 'listening', url });

async function handle(c: { cmd: string; mac?: string; link?: LinkKind; index?: number; line?: string; timeoutMs?: number; hex?: string }) {
  if (c.cmd === 'guest') {
    const vm = await bootGuest(c.link ?? 'nic', { mac: c.mac, consoleSize: { cols: 400, rows: 50 }, hostname: `g${guests.length}` });
    const con = new ConsoleReader(vm);
    const node = new RoomNode({
      url,
      room,
      mac: c.mac!,
      port: c.link === 'tty' ? vm.tty : vm.nic,
      wrtc: nodeWrtc,
      signaling: { WebSocket: WebSocket as unknown as WebSocketConstructor },
      mesh: { rttIntervalMs: 0 },
    });
    guests.push({ vm, con, node });
    await vm.waitForPrompt();
    const iface = c.link === 'tty' ? 'tap0' : 'eth0';
    // Up to the end of the line: the console can hand over "…has address 10.0" in one piece.
    const m = await con.waitFor(new RegExp(`peerlinux: ${iface} has address ([0-9.]+)(, router [0-9.]+)?\\r?\\n`), 60000);
    out({ event: 'guest', index: guests.length - 1, ip: m[1], bound: m[0] });
  } else if (c.cmd === 'run') {
    const g = guests[c.index!];
    out({ event: 'ran', output: await g.con.run(c.line!, c.timeoutMs ?? 30000) });
  } else if (c.cmd === 'state') {
    const g = guests[c.index!];
    out({ event: 'state', state: g.node.state(), lease: g.node.dhcp?.lease ?? null, console: g.con.text.slice(-3000) });
  } else if (c.cmd === 'inject') {
    // Straight into the switch's local port: the frame leaves as this guest's, whatever it claims.
    guests[c.index!].node.switch.input(LOCAL_PORT, Buffer.from(c.hex!, 'hex'));
    out({ event: 'injected' });
  }
}

let queue = Promise.resolve();
createInterface({ input: process.stdin }).on('line', (line) => {
  queue = queue.then(() => handle(JSON.parse(line))).catch((err: Error) => void out({ event: 'error', message: err.message }));
});
