// bench:gateway: frames/s into the gateway's tap, side by side in one run: written straight to the
// tap, and relayed by a Node WebSocket server to the tap (jslinux-tap's design). Runs itself inside
// a namespace it makes (root only): taps A and B on one bridge, frames written to A come out of B.
// Not measured yet: the data-channel path and guest TCP throughput (see the report).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { WebSocket, WebSocketServer } from 'ws';
import { openTap, type Tap } from '../gateway/tap.ts';
import { recordResults } from './lib/results.ts';

const FRAME_BYTES = 1514;
const FRAMES = 200_000;
const BATCH = 256;

function frame(): Uint8Array {
  const f = new Uint8Array(FRAME_BYTES);
  f.set([0x02, 0, 0, 0, 0, 0xbb, 0x02, 0, 0, 0, 0, 0xaa, 0x88, 0xb5]);
  return f;
}

// Sends FRAMES frames with `send`, yielding every BATCH so the reader runs; resolves with figures.
async function measure(name: string, b: Tap, send: (f: Uint8Array) => void): Promise<Record<string, number | string>> {
  let received = 0;
  const off = b.onFrame(() => void received++);
  const f = frame();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < FRAMES; i += BATCH) {
    for (let k = 0; k < BATCH; k++) send(f);
    await new Promise((r) => setImmediate(r));
  }
  // Drain: wait until nothing more arrives for a moment.
  let last = -1;
  while (received !== last) {
    last = received;
    await new Promise((r) => setTimeout(r, 50));
  }
  const seconds = (performance.now() - t0) / 1000 - 0.05;
  const cpu = process.cpuUsage(cpu0);
  off();
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { path: name, sent: FRAMES, received, framesPerSecond: Math.round(received / seconds), framesPerCpuSecond: Math.round(received / cpuSeconds) };
}

async function inner(): Promise<void> {
  spawnSync('ip', ['link', 'set', 'lo', 'up']);
  spawnSync('ip', ['link', 'add', 'brb', 'type', 'bridge']);
  spawnSync('ip', ['link', 'set', 'brb', 'up']);
  const a = openTap({ name: 'tapa', bridge: 'brb' });
  const b = openTap({ name: 'tapb', bridge: 'brb' });
  const results = [];
  results.push(await measure('node -> tap', b, (f) => a.send(f)));

  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 9018 });
  wss.on('connection', (ws) => ws.on('message', (data: Buffer) => a.send(data)));
  await new Promise((r) => wss.once('listening', r));
  const ws = new WebSocket(`ws://127.0.0.1:${(wss.address() as { port: number }).port}`);
  await new Promise((r) => ws.once('open', r));
  results.push(await measure('websocket relay -> tap', b, (f) => ws.send(f)));
  ws.close();
  wss.close();
  a.close();
  b.close();
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

async function outer(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.error('bench:gateway needs root (it makes a network namespace)');
    process.exit(1);
  }
  const ns = `plbench${randomBytes(2).toString('hex')}`;
  spawnSync('ip', ['netns', 'add', ns]);
  try {
    const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', 'bench/gateway.ts', '--inner'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    const results = JSON.parse(r.stdout.trim().split('\n').pop()!) as Array<Record<string, number | string>>;
    console.table(results);
    console.log(recordResults('gateway', { frameBytes: FRAME_BYTES, results }));
  } finally {
    spawnSync('ip', ['netns', 'delete', ns]);
  }
}

await (process.argv.includes('--inner') ? inner() : outer());
