// Runs inside a namespace for test/channel-mode.test.ts: one `reliable` and one `unordered` PeerLink
// pair (node-datachannel through simple-peer), each numbered frame sent both ways. The test drops
// UDP with nftables around the `send` step. JSON-line commands:
//   (start)                -> {event:'open', channels: {mode: {ordered, maxRetransmits, maxPacketLifeTime}}}
//   {cmd:'send', count}    sends frames 0..count-1 each way on every pair -> {event:'sent', dropped}
//   {cmd:'drain'}          a marker each way until it lands -> {event:'received', received: {mode: {ab, ba}}}
import { createInterface } from 'node:readline';
import { nodeWrtc } from '../../src/p2p/node-webrtc.ts';
import { type ChannelMode, PeerLink } from '../../src/p2p/peer-link.ts';

const MODES: readonly ChannelMode[] = ['reliable', 'unordered'];
const FRAME_BYTES = 100;
const KIND_DATA = 0;
const KIND_MARKER = 1;
const MARKER_INTERVAL_MS = 20;
const OPEN_TIMEOUT_MS = 15_000;

const out = (line: unknown) => process.stdout.write(`${JSON.stringify(line)}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Ethernet-shaped (unicast MACs) so PeerLink carries it; byte 12 says data or marker, 14..17 the number.
function frameOf(kind: number, seq: number): Uint8Array {
  const f = new Uint8Array(FRAME_BYTES);
  f[0] = 0x02;
  f[6] = 0x02;
  f[12] = kind;
  new DataView(f.buffer).setUint32(14, seq);
  return f;
}

interface Side {
  link: PeerLink;
  data: number[];
  marker: boolean;
}

function sideOf(link: PeerLink): Side {
  const side: Side = { link, data: [], marker: false };
  link.on('frame', (f) => {
    if (f[12] === KIND_MARKER) side.marker = true;
    else side.data.push(new DataView(f.buffer, f.byteOffset, f.byteLength).getUint32(14));
  });
  return side;
}

async function openPair(mode: ChannelMode): Promise<{ a: Side; b: Side }> {
  const a = sideOf(new PeerLink({ initiator: true, wrtc: nodeWrtc, channelMode: mode }));
  const b = sideOf(new PeerLink({ initiator: false, wrtc: nodeWrtc, channelMode: mode }));
  a.link.on('signal', (d) => b.link.signal(d));
  b.link.on('signal', (d) => a.link.signal(d));
  const started = Date.now();
  while (a.link.state !== 'open' || b.link.state !== 'open') {
    if (Date.now() - started > OPEN_TIMEOUT_MS) throw new Error(`${mode} pair did not open`);
    await sleep(20);
  }
  return { a, b };
}

// What the initiator's RTCDataChannel reports: the options simple-peer passed to createDataChannel.
// (The answerer's polyfill channel always reports the defaults, whatever the channel really is.)
function channelOf(link: PeerLink): Record<string, unknown> {
  const ch = (link as unknown as { peer: { _channel: RTCDataChannel } }).peer._channel;
  return { ordered: ch.ordered, maxRetransmits: ch.maxRetransmits, maxPacketLifeTime: ch.maxPacketLifeTime };
}

const pairs = new Map<ChannelMode, { a: Side; b: Side }>();
for (const mode of MODES) pairs.set(mode, await openPair(mode));
out({ event: 'open', channels: Object.fromEntries(MODES.map((m) => [m, channelOf(pairs.get(m)!.a.link)])) });

async function send(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    for (const { a, b } of pairs.values()) {
      a.link.sendFrame(frameOf(KIND_DATA, i));
      b.link.sendFrame(frameOf(KIND_DATA, i));
    }
    // Keeps the channels' buffers far below PeerLink's drop threshold.
    if (i % 10 === 9) await sleep(1);
  }
  out({ event: 'sent', dropped: Object.fromEntries(MODES.map((m) => [m, [pairs.get(m)!.a.link.counters.dropped, pairs.get(m)!.b.link.counters.dropped]])) });
}

// SCTP sends new data in order of its sequence numbers and this path never reorders, so once a
// marker (sent after the data, with loss off) is in, every earlier frame has arrived or never will:
// the counts are final without waiting for a time.
async function drain(): Promise<void> {
  for (let n = 0; [...pairs.values()].some(({ a, b }) => !a.marker || !b.marker); n++) {
    for (const { a, b } of pairs.values()) {
      if (!b.marker) a.link.sendFrame(frameOf(KIND_MARKER, n));
      if (!a.marker) b.link.sendFrame(frameOf(KIND_MARKER, n));
    }
    await sleep(MARKER_INTERVAL_MS);
  }
  out({ event: 'received', received: Object.fromEntries(MODES.map((m) => [m, { ab: pairs.get(m)!.b.data, ba: pairs.get(m)!.a.data }])) });
}

for await (const line of createInterface({ input: process.stdin })) {
  const c = JSON.parse(line) as { cmd: string; count?: number };
  if (c.cmd === 'send') await send(c.count ?? 0);
  else if (c.cmd === 'drain') await drain();
}
for (const { a, b } of pairs.values()) {
  a.link.destroy();
  b.link.destroy();
}
process.exit(0);
