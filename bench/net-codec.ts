// npm run bench:net — throughput of the pure network code on the frame path: ttyS1 encode and
// decode (MB/s of payload, frames/s) for small and full-size frames, and switch forwarding
// (frames/s). Prints and records the figures; no pass/fail.
import { performance } from 'node:perf_hooks';
import { encodeTtyFrame, TtyFrameDecoder } from '../src/net/tty-framing.ts';
import { EthernetSwitch } from '../src/net/switch.ts';
import { median, recordResults } from './lib/results.ts';

const ROUNDS = 5;
const BATCH_BYTES = 8 * 1024 * 1024; // payload per round, enough for a stable figure in ~50 ms

// Pseudo-random frames (fixed seed) so about 1 byte in 128 needs escaping, as random traffic would.
function frames(size: number, count: number): Uint8Array[] {
  let x = 0x12345678;
  return Array.from({ length: count }, () => {
    const f = new Uint8Array(size);
    for (let i = 0; i < size; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      f[i] = x & 0xff;
    }
    f[6] &= 0xfe; // unicast source, so the switch accepts it
    return f;
  });
}

function bench(size: number) {
  const count = Math.ceil(BATCH_BYTES / size);
  const input = frames(size, 64);
  const encodeMs: number[] = [];
  const decodeMs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const wire: Uint8Array[] = [];
    let t0 = performance.now();
    for (let i = 0; i < count; i++) wire.push(encodeTtyFrame(input[i & 63]));
    encodeMs.push(performance.now() - t0);
    // Feed the decoder in 4 KiB chunks, as a UART read loop would hand them over.
    const stream = new Uint8Array(wire.reduce((n, w) => n + w.length, 0));
    let o = 0;
    for (const w of wire) (stream.set(w, o), (o += w.length));
    const d = new TtyFrameDecoder();
    t0 = performance.now();
    for (let i = 0; i < stream.length; i += 4096) d.push(stream.subarray(i, i + 4096));
    decodeMs.push(performance.now() - t0);
    if (d.counters.frames !== count) throw new Error(`decoded ${d.counters.frames} of ${count}`);
  }
  const mbps = (ms: number) => +((count * size) / 1e6 / (ms / 1000)).toFixed(1);
  const fps = (ms: number) => Math.round(count / (ms / 1000));
  return {
    frameBytes: size,
    encodeMBps: mbps(median(encodeMs)),
    encodeFramesPerS: fps(median(encodeMs)),
    decodeMBps: mbps(median(decodeMs)),
    decodeFramesPerS: fps(median(decodeMs)),
  };
}

function benchSwitch() {
  const sw = new EthernetSwitch();
  let delivered = 0;
  for (const id of ['vm', 'p1', 'p2', 'p3']) sw.addPort(id, id === 'vm' ? 'local' : 'peer', () => delivered++);
  // Unicast from the VM to a MAC learned on a peer: the common case on a busy link.
  const f = new Uint8Array(1514);
  f.set([2, 0, 0, 0, 0, 0xa1, 2, 0, 0, 0, 0, 0x01, 8, 0]);
  sw.learn('02:00:00:00:00:a1', 'p1');
  const n = 1_000_000;
  const ms: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) sw.input('vm', f);
    ms.push(performance.now() - t0);
  }
  if (delivered !== n * ROUNDS) throw new Error(`delivered ${delivered}`);
  return { unicastFramesPerS: Math.round(n / (median(ms) / 1000)) };
}

const figures = { ttyFraming: [bench(60), bench(1514), bench(9018)], switch: benchSwitch() };
console.log(JSON.stringify(figures, null, 2));
console.log('recorded', recordResults('net-codec', figures));
