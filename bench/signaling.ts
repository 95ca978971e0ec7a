// Signaling capacity: N clients in rooms of 8 join, then each sends 10 signals to its room-mates.
// The server runs as its own process (signaling/main.ts), so its memory per connection is its own;
// the clients run here. Prints joins/s, signal latency p50/p99 and server memory per connection,
// and writes bench/results/signaling-<date>.json.
//
//   npm run bench:signaling -- [--clients 2000] [--room-size 8] [--signals 10] [--rate 20000]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { createRoomId } from '../src/net/signal-ids.ts';
import { parseServerMessage } from '../src/net/signal-protocol.ts';

const JOIN_CONCURRENCY = 256;
const SETTLE_MS = 500;
const TICK_MS = 10;
// A signal about the size of a trickled ICE candidate.
const CANDIDATE_PAD = 'candidate:842163049 1 udp 1677729535 127.0.0.1 49152 typ srflx raddr 0.0.0.0 rport 0 generation 0';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i === -1 ? fallback : Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v <= 0) throw new RangeError(`--${name} must be a positive integer`);
  return v;
}

const CLIENTS = arg('clients', 2000);
const ROOM_SIZE = arg('room-size', 8);
const SIGNALS = arg('signals', 10);
const RATE = arg('rate', 20_000);

interface Bench {
  ws: WebSocket;
  room: number;
  peerId: string;
  welcomed: () => void;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

interface ServerSample {
  rss: number;
  heap: number;
  cpuMs: number;
}

async function sampleServer(port: number): Promise<ServerSample> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^${name} ([\\d.e+-]+)$`, 'm').exec(text)?.[1]);
  return { rss: read('process_resident_memory_bytes'), heap: read('nodejs_heap_used_bytes'), cpuMs: read('process_cpu_seconds_total') * 1000 };
}

function startServer(): Promise<{ port: number; stop: () => Promise<number> }> {
  const dist = mkdtempSync(join(tmpdir(), 'bench-dist-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'signaling/main.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', SIGNALING_LOG: '0', DIST_DIR: dist },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited early with ${code}`)));
    let buf = '';
    const onData = (chunk: Buffer) => {
      buf += chunk.toString();
      const m = /"event":"listening".*"port":(\d+)/.exec(buf);
      if (!m) return;
      child.stdout.off('data', onData);
      child.stdout.resume(); // keep draining the server's stdout
      child.removeAllListeners('exit');
      const stop = () => new Promise<number>((done) => {
        const t0 = performance.now();
        child.once('exit', () => done(performance.now() - t0));
        child.kill('SIGTERM');
      });
      resolve({ port: Number(m[1]), stop });
    };
    child.stdout.on('data', onData);
  });
}

async function main(): Promise<void> {
  const server = await startServer();
  const url = `ws://127.0.0.1:${server.port}/signal`;
  const rooms = Array.from({ length: Math.ceil(CLIENTS / ROOM_SIZE) }, createRoomId);
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const memBefore = await sampleServer(server.port);

  const latencies: number[] = [];
  let errors = 0;
  const clients: Bench[] = [];
  const joinStart = performance.now();
  let next = 0;
  async function joinOne(i: number): Promise<void> {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const b: Bench = { ws, room: Math.floor(i / ROOM_SIZE), peerId: '', welcomed: () => {} };
    clients[i] = b;
    const welcomed = new Promise<void>((resolve) => (b.welcomed = resolve));
    ws.on('error', () => errors++);
    ws.on('message', (data) => {
      const parsed = parseServerMessage(data.toString());
      if (!parsed.ok) return void errors++;
      const m = parsed.message;
      if (m.type === 'welcome') {
        b.peerId = m.peerId;
        b.welcomed();
      } else if (m.type === 'signal') {
        latencies.push(performance.now() - (m.data.t as number));
      } else if (m.type === 'error') {
        errors++;
      }
    });
    ws.once('open', () => ws.send(JSON.stringify({ type: 'join', room: rooms[b.room], kind: 'vm' })));
    await welcomed;
  }
  await Promise.all(
    Array.from({ length: JOIN_CONCURRENCY }, async () => {
      while (next < CLIENTS) await joinOne(next++);
    }),
  );
  const joinMs = performance.now() - joinStart;

  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const memJoined = await sampleServer(server.port);

  // Each client's k-th signal goes to the k-th other member of its room, paced at RATE per second.
  const total = CLIENTS * SIGNALS;
  const perTick = Math.max(1, Math.round((RATE * TICK_MS) / 1000));
  const sendStart = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      for (let n = 0; n < perTick && sent < total; n++, sent++) {
        const i = sent % CLIENTS;
        const k = Math.floor(sent / CLIENTS);
        const first = clients[i].room * ROOM_SIZE;
        const size = Math.min(ROOM_SIZE, CLIENTS - first);
        if (size < 2) continue;
        const to = clients[first + ((i - first + 1 + (k % (size - 1))) % size)].peerId;
        clients[i].ws.send(JSON.stringify({ type: 'signal', to, data: { t: performance.now(), candidate: CANDIDATE_PAD } }));
      }
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    }, TICK_MS);
  });
  const expected = clients.filter((c) => Math.min(ROOM_SIZE, CLIENTS - c.room * ROOM_SIZE) >= 2).length * SIGNALS;
  const waitEnd = performance.now() + 10_000;
  while (latencies.length < expected && performance.now() < waitEnd) await new Promise((r) => setTimeout(r, 20));
  const sendMs = performance.now() - sendStart;
  const afterSignals = await sampleServer(server.port);

  for (const c of clients) c.ws.close(1000);
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const shutdownMs = await server.stop();

  latencies.sort((a, b) => a - b);
  const perConn = (a: number, b: number) => Math.round((b - a) / CLIENTS);
  const result = {
    bench: 'signaling',
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    // The machine is shared: a high load average explains slow wall-clock figures; CPU per
    // operation below is the steadier measure.
    loadAverage1m: +loadavg()[0].toFixed(2),
    clients: CLIENTS,
    roomSize: ROOM_SIZE,
    signalsPerClient: SIGNALS,
    signalRatePerSec: RATE,
    joinMs: Math.round(joinMs),
    joinsPerSec: Math.round(CLIENTS / (joinMs / 1000)),
    signalsDelivered: latencies.length,
    signalsExpected: expected,
    signalPhaseMs: Math.round(sendMs),
    latencyMs: {
      p50: +percentile(latencies, 50).toFixed(2),
      p99: +percentile(latencies, 99).toFixed(2),
      max: +(latencies.at(-1) ?? NaN).toFixed(2),
    },
    serverRssBytes: { before: memBefore.rss, joined: memJoined.rss },
    serverHeapBytes: { before: memBefore.heap, joined: memJoined.heap },
    rssPerConnectionBytes: perConn(memBefore.rss, memJoined.rss),
    heapPerConnectionBytes: perConn(memBefore.heap, memJoined.heap),
    // Server CPU per operation, measured across each phase (includes the /metrics scrapes).
    serverCpuUsPerJoin: Math.round(((memJoined.cpuMs - memBefore.cpuMs) * 1000) / CLIENTS),
    serverCpuUsPerSignal: Math.round(((afterSignals.cpuMs - memJoined.cpuMs) * 1000) / Math.max(1, latencies.length)),
    clientErrors: errors,
    shutdownMs: Math.round(shutdownMs),
  };

  console.table({
    clients: CLIENTS,
    'joins/s': result.joinsPerSec,
    'signals delivered': `${latencies.length}/${expected}`,
    'latency p50 (ms)': result.latencyMs.p50,
    'latency p99 (ms)': result.latencyMs.p99,
    'server RSS per conn (KiB)': +(result.rssPerConnectionBytes / 1024).toFixed(1),
    'server heap per conn (KiB)': +(result.heapPerConnectionBytes / 1024).toFixed(1),
    'server CPU per join (us)': result.serverCpuUsPerJoin,
    'server CPU per signal (us)': result.serverCpuUsPerSignal,
    'client errors': errors,
    'SIGTERM to exit (ms)': result.shutdownMs,
  });
  mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/signaling-${result.date.slice(0, 19).replace(/:/g, '-')}-${CLIENTS}.json`;
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log(`wrote ${file}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
