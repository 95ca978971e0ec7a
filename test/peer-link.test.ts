// PeerLink over real WebRTC (node-datachannel through src/p2p/node-webrtc.ts), two links in one
// process, signals relayed by the test.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { JsonObject } from '../src/net/signal-protocol.ts';
import { nodeWrtc } from '../src/p2p/node-webrtc.ts';
import type { PeerLinkOptions } from '../src/p2p/peer-link.ts';
import { MAX_FRAME_BYTES, PeerLink } from '../src/p2p/peer-link.ts';
import { until } from './signaling-harness.ts';
import { createTestInterface, type TestInterface } from './support/webrtc-net.ts';

let net: TestInterface;

function frameOf(size: number, seed: number): Uint8Array {
  const f = new Uint8Array(size);
  for (let i = 0; i < size; i++) f[i] = (i * 31 + seed) & 0xff;
  f[0] = 0x02; // unicast destination
  f[6] = 0x02; // unicast source
  return f;
}

interface Pair {
  a: PeerLink;
  b: PeerLink;
  toA: Uint8Array[];
  toB: Uint8Array[];
}

// Relays every signal straight across, in order, and waits for both ends to open.
async function connectPair(extra: Partial<PeerLinkOptions> = {}): Promise<Pair> {
  const a = new PeerLink({ initiator: true, wrtc: nodeWrtc, ...extra });
  const b = new PeerLink({ initiator: false, wrtc: nodeWrtc, ...extra });
  a.on('signal', (d) => b.signal(d));
  b.on('signal', (d) => a.signal(d));
  const toA: Uint8Array[] = [];
  const toB: Uint8Array[] = [];
  a.on('frame', (f) => toA.push(f));
  b.on('frame', (f) => toB.push(f));
  await until(() => a.state === 'open' && b.state === 'open', 15000);
  return { a, b, toA, toB };
}

const setup = suite('test interface');
setup('is created', () => {
  net = createTestInterface();
  if (process.getuid?.() === 0) assert.ok(net.name);
});
setup.run();

const send = suite('PeerLink.sendFrame');

send('carries frames byte-identical both ways, one frame per message, and counts them', async () => {
  const { a, b, toA, toB } = await connectPair();
  const sizes = [14, 60, 64, 1514, 1518, MAX_FRAME_BYTES];
  const sent = sizes.map((n, i) => frameOf(n, i));
  for (const f of sent) assert.is(a.sendFrame(f), true);
  const back = frameOf(1514, 99);
  assert.is(b.sendFrame(back), true);
  await until(() => toB.length === sizes.length && toA.length === 1);
  assert.equal(toB.map((f) => Array.from(f)), sent.map((f) => Array.from(f)));
  assert.equal(Array.from(toA[0]), Array.from(back));
  const bytes = sizes.reduce((x, y) => x + y, 0);
  assert.equal(a.counters, { framesIn: 1, bytesIn: 1514, framesOut: sizes.length, bytesOut: bytes, dropped: {}, badIn: {} });
  assert.equal(b.counters, { framesIn: sizes.length, bytesIn: bytes, framesOut: 1, bytesOut: 1514, dropped: {}, badIn: {} });
  a.destroy();
  b.destroy();
});

send('drops and counts frames it cannot carry, without throwing', async () => {
  const link = new PeerLink({ initiator: true, wrtc: nodeWrtc });
  assert.is(link.sendFrame(frameOf(60, 1)), false);
  assert.equal(link.counters.dropped, { notOpen: 1 });
  link.destroy();
  const { a, b, toB } = await connectPair();
  assert.is(a.sendFrame(new Uint8Array(13)), false);
  assert.is(a.sendFrame(new Uint8Array(MAX_FRAME_BYTES + 1)), false);
  assert.equal(a.counters.dropped, { badLength: 2 });
  assert.is(a.counters.framesOut, 0);
  assert.throws(() => a.sendFrame('x' as unknown as Uint8Array), (e: Error & { code?: string }) => e.code === 'ERR_BAD_FRAME');
  assert.is(toB.length, 0);
  a.destroy();
  b.destroy();
});

send('with lossRate drops exactly the frames whose random draw is under the rate, as injectedLoss', async () => {
  const draws = [0.5, 0.049, 0.05, 0.0, 0.99, 0.01];
  let k = 0;
  const { a, b, toB } = await connectPair({ lossRate: 0.05, lossRandom: () => draws[k++] });
  const sent = draws.map((_, i) => frameOf(60, i));
  assert.equal(sent.map((f) => a.sendFrame(f)), [true, false, true, false, true, false]);
  assert.equal(a.counters.dropped, { injectedLoss: 3 });
  assert.is(a.counters.framesOut, 3);
  await until(() => toB.length === 3);
  assert.equal(toB.map((f) => Array.from(f)), [sent[0], sent[2], sent[4]].map((f) => Array.from(f)));
  // Changed on the live link: 0 sends everything without drawing; control pings never count.
  a.lossRate = 0;
  assert.is(a.sendFrame(frameOf(60, 9)), true);
  assert.is(k, draws.length);
  assert.equal(b.counters.dropped, {});
  a.destroy();
  b.destroy();
});

send('refuses a lossRate outside 0 to 1 with ERR_BAD_LOSS_RATE', () => {
  const isCode = (e: Error & { code?: string }) => e instanceof RangeError && e.code === 'ERR_BAD_LOSS_RATE';
  for (const rate of [-0.1, 1.5, NaN]) {
    assert.throws(() => new PeerLink({ initiator: true, wrtc: nodeWrtc, lossRate: rate }), isCode);
  }
  const link = new PeerLink({ initiator: true, wrtc: nodeWrtc });
  assert.throws(() => (link.lossRate = 2), isCode);
  assert.is(link.lossRate, 0);
  link.destroy();
});

send('drops and counts once the channel buffer is over the limit; every sent frame arrives', async () => {
  const limit = 64 * 1024;
  const { a, b, toB } = await connectPair({ maxBufferedBytes: limit });
  const count = 2000;
  let accepted = 0;
  let maxSeen = 0;
  for (let i = 0; i < count; i++) {
    const f = frameOf(1514, i);
    f[14] = i & 0xff;
    f[15] = i >> 8;
    if (a.sendFrame(f)) accepted++;
    maxSeen = Math.max(maxSeen, a.bufferedAmount);
  }
  const dropped = a.counters.dropped.bufferFull ?? 0;
  assert.is(accepted + dropped, count);
  assert.ok(dropped > 0, `expected drops with ${count} frames sent at once over a ${limit}-byte buffer`);
  assert.ok(maxSeen <= limit, `buffer grew to ${maxSeen}`);
  assert.is(a.counters.framesOut, accepted);
  await until(() => toB.length === accepted);
  // Reliable and ordered: exactly the accepted frames, in order.
  const seq = toB.map((f) => f[14] | (f[15] << 8));
  assert.ok(seq.every((s, i) => i === 0 || s > seq[i - 1]));
  a.destroy();
  b.destroy();
});

const input = suite('PeerLink input');

input('counts and drops bad messages without closing the link', async () => {
  const { a, b, toB } = await connectPair();
  const bad: Array<[Uint8Array | string, string]> = [
    [new Uint8Array(13), 'runt'],
    [new Uint8Array(0), 'runt'],
    [new Uint8Array(MAX_FRAME_BYTES + 1), 'tooLong'],
    ['not json', 'badControl'],
    ['{"type":"ping"}', 'badControl'],
    ['{"type":"ping","seq":-1}', 'badControl'],
    ['{"type":"hello","seq":1}', 'badControl'],
    ['[1,2]', 'badControl'],
    ['x'.repeat(300), 'badControl'],
    ['{"type":"pong","seq":77}', 'unmatchedPong'],
  ];
  for (const [msg] of bad) a.sendRaw(msg);
  const good = frameOf(100, 5);
  a.sendFrame(good);
  await until(() => toB.length === 1);
  const expected: Record<string, number> = {};
  for (const [, reason] of bad) expected[reason] = (expected[reason] ?? 0) + 1;
  assert.equal(b.counters.badIn, expected);
  assert.equal(Array.from(toB[0]), Array.from(good));
  assert.is(b.state, 'open');
  assert.is(b.counters.framesIn, 1);
  a.destroy();
  b.destroy();
});

const ping = suite('PeerLink.ping');

ping('measures a round trip with a text message that is not a frame', async () => {
  const { a, b, toB } = await connectPair();
  const rtts: number[] = [];
  a.on('rtt', (ms) => rtts.push(ms));
  a.ping();
  await until(() => rtts.length === 1);
  assert.is(a.rttMs, rtts[0]);
  assert.ok(rtts[0] >= 0);
  assert.is(toB.length, 0);
  assert.is(b.counters.framesIn, 0);
  assert.equal(b.counters.badIn, {});
  a.destroy();
  b.destroy();
});

const signal = suite('PeerLink.signal');

signal('connects when candidates arrive before the offer', async () => {
  const a = new PeerLink({ initiator: true, wrtc: nodeWrtc });
  const held: JsonObject[] = [];
  a.on('signal', (d) => held.push(d));
  await until(() => held.some((d) => d.type === 'offer') && held.some((d) => 'candidate' in d));
  const b = new PeerLink({ initiator: false, wrtc: nodeWrtc });
  b.on('signal', (d) => a.signal(d));
  // Every candidate first, then the offer.
  for (const d of held.filter((d) => d.type !== 'offer')) b.signal(d);
  for (const d of held.filter((d) => d.type === 'offer')) b.signal(d);
  a.on('signal', (d) => b.signal(d));
  await until(() => a.state === 'open' && b.state === 'open', 15000);
  a.destroy();
  b.destroy();
});

signal('closes with ERR_SIGNALING on signal data simple-peer cannot use', async () => {
  const link = new PeerLink({ initiator: false, wrtc: nodeWrtc });
  const closes: Array<{ code: string | null }> = [];
  link.on('close', (c) => closes.push(c));
  link.signal({ nonsense: true });
  await until(() => closes.length === 1);
  assert.is(closes[0].code, 'ERR_SIGNALING');
  assert.is(link.state, 'closed');
});

const destroy = suite('PeerLink.destroy');

destroy('a local close has code null; the other side closes with ERR_LINK_CLOSED', async () => {
  const { a, b } = await connectPair();
  const closes: Array<[string, string | null]> = [];
  a.on('close', (c) => closes.push(['a', c.code]));
  b.on('close', (c) => closes.push(['b', c.code]));
  a.destroy();
  a.destroy();
  await until(() => closes.length === 2);
  assert.equal(closes, [['a', null], ['b', 'ERR_LINK_CLOSED']]);
  assert.is(b.sendFrame(frameOf(60, 1)), false);
  assert.equal(b.counters.dropped, { notOpen: 1 });
});

destroy('fails with ERR_CONNECT_TIMEOUT when nobody answers', async () => {
  const link = new PeerLink({ initiator: true, wrtc: nodeWrtc, connectTimeoutMs: 100 });
  const closes: Array<{ code: string | null }> = [];
  link.on('close', (c) => closes.push(c));
  await until(() => closes.length === 1);
  assert.is(closes[0].code, 'ERR_CONNECT_TIMEOUT');
});

destroy.after(() => net.remove());
send.run();
input.run();
ping.run();
signal.run();
destroy.run();
