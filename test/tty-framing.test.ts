import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  encodeTtyFrame,
  ERR_FRAME_SIZE,
  MAX_FRAME_BYTES,
  TtyFrameDecoder,
  type TtyFramingCounters,
} from '../src/net/tty-framing.ts';
import { crc32 } from '../src/net/crc32.ts';

const hex = (s: string) => Uint8Array.from((s.replace(/\s+/g, '').match(/../g) ?? []).map((b) => parseInt(b, 16)));
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) (out.set(p, o), (o += p.length));
  return out;
};
// Deterministic frame of `n` bytes whose bytes are never 0xC0 or 0xDB, so positions in the
// encoding are predictable (only the CRC trailer may be escaped).
const plainFrame = (seed: number, n: number) => Uint8Array.from({ length: n }, (_, i) => (seed * 31 + i * 7) % 0xc0);
const zero = (): TtyFramingCounters => ({ frames: 0, bytes: 0, badEscape: 0, oversize: 0, runt: 0, badCrc: 0 });

// Fixed vectors: frame -> exact ttyS1 bytes. CRCs cross-checked with zlib.crc32; tapper.c must
// produce the same bytes.
const ENCODER_VECTORS: Array<[string, string, string]> = [
  [
    'minimal 14-byte frame',
    'ffffffffffff 525400123456 0806',
    'c0 ffffffffffff 525400123456 0806 94cb8cbb c0',
  ],
  [
    'escapes 0xC0 and 0xDB in the payload',
    'c0dbc0dbdbc0 525400123456 0800 c0dbdcdd0001',
    'c0 dbdc dbdd dbdc dbdd dbdd dbdc 525400123456 0800 dbdc dbdd dcdd0001 6631e41f c0',
  ],
  [
    'escapes 0xC0 in the CRC trailer (crc 0xc054e6c0)',
    '525400abcdef 525400123456 88b5 1379',
    'c0 525400abcdef 525400123456 88b5 1379 dbdc e654 dbdc c0',
  ],
];

const encode = suite('encodeTtyFrame');

for (const [name, frame, wire] of ENCODER_VECTORS) {
  encode(name, () => {
    assert.is(toHex(encodeTtyFrame(hex(frame))), toHex(hex(wire)));
  });
}

encode('throws ERR_FRAME_SIZE below 14 and above MAX_FRAME_BYTES, accepts both limits', () => {
  for (const n of [0, 13, MAX_FRAME_BYTES + 1]) {
    try {
      encodeTtyFrame(new Uint8Array(n));
      assert.unreachable(`accepted ${n}`);
    } catch (err) {
      assert.instance(err, RangeError);
      assert.is((err as { code?: string }).code, ERR_FRAME_SIZE);
    }
  }
  assert.is(encodeTtyFrame(new Uint8Array(14)).length, 14 + 4 + 2);
  assert.is(encodeTtyFrame(new Uint8Array(MAX_FRAME_BYTES)).length, MAX_FRAME_BYTES + 4 + 2);
});

const decode = suite('TtyFrameDecoder');

decode('decodes every encoder vector back to its frame', () => {
  const d = new TtyFrameDecoder();
  const frames = d.push(concat(...ENCODER_VECTORS.map(([, , wire]) => hex(wire))));
  assert.equal(frames.map(toHex), ENCODER_VECTORS.map(([, f]) => toHex(hex(f))));
  assert.equal(d.counters, { ...zero(), frames: 3, bytes: 14 + 20 + 16 });
});

decode('passes frames to the listener as well as returning them', () => {
  const seen: Uint8Array[] = [];
  const d = new TtyFrameDecoder((f) => seen.push(f));
  const f = plainFrame(1, 60);
  const out = d.push(encodeTtyFrame(f));
  assert.equal(seen, [f]);
  assert.equal(out, [f]);
});

decode('a listener that throws leaves the decoder consistent', () => {
  let calls = 0;
  const d = new TtyFrameDecoder(() => {
    if (calls++ === 0) throw new Error('listener bug');
  });
  assert.throws(() => d.push(encodeTtyFrame(plainFrame(1, 60))), /listener bug/);
  assert.equal(d.push(encodeTtyFrame(plainFrame(2, 60))).map(toHex), [toHex(plainFrame(2, 60))]);
  assert.is(d.counters.frames, 2);
});

decode('delivered frames are copies, not views of the reused buffer', () => {
  const d = new TtyFrameDecoder();
  const [a] = d.push(encodeTtyFrame(plainFrame(1, 60)));
  d.push(encodeTtyFrame(plainFrame(2, 60)));
  assert.equal(a, plainFrame(1, 60));
});

decode('accepts a MAX_FRAME_BYTES frame', () => {
  const d = new TtyFrameDecoder();
  const f = plainFrame(3, MAX_FRAME_BYTES);
  assert.equal(d.push(encodeTtyFrame(f)), [f]);
});

decode('idle delimiters are ignored and counted nowhere', () => {
  const d = new TtyFrameDecoder();
  assert.equal(d.push(hex('c0c0c0c0')), []);
  assert.equal(d.counters, zero());
});

decode('a frame not yet closed is held until its delimiter', () => {
  const d = new TtyFrameDecoder();
  const wire = encodeTtyFrame(plainFrame(4, 40));
  assert.equal(d.push(wire.subarray(0, wire.length - 1)), []);
  assert.equal(d.counters, zero());
  assert.equal(d.push(wire.subarray(wire.length - 1)), [plainFrame(4, 40)]);
});

decode('reset forgets a partial frame', () => {
  const d = new TtyFrameDecoder();
  const wire = encodeTtyFrame(plainFrame(4, 40));
  d.push(wire.subarray(0, 20));
  d.reset();
  assert.equal(d.push(wire.subarray(20)), []);
  assert.is(d.counters.badCrc + d.counters.runt, 1); // the tail alone is judged, never delivered
});

// Three good frames A, B, C (each 60 bytes, so B's payload starts at wire offset a.length + 1),
// corrupted in one way; the table says which survive and what is counted.
const A = plainFrame(1, 60);
const B = plainFrame(2, 60);
const C = plainFrame(3, 60);
const D = plainFrame(4, 60);
const wA = encodeTtyFrame(A);
const wB = encodeTtyFrame(B);
const wC = encodeTtyFrame(C);
const wD = encodeTtyFrame(D);
const bAt = wA.length + 1; // first payload byte of B in A‖B‖C
const cut = (w: Uint8Array, i: number) => concat(w.subarray(0, i), w.subarray(i + 1));
const put = (w: Uint8Array, i: number, v: number) => {
  const c = w.slice();
  c[i] = v;
  return c;
};
const insert = (w: Uint8Array, i: number, bytes: string) => concat(w.subarray(0, i), hex(bytes), w.subarray(i));
const abc = concat(wA, wB, wC);
const oversized = concat(hex('c0'), plainFrame(5, MAX_FRAME_BYTES + 5), hex('c0'));

const CORRUPTIONS: Array<[string, Uint8Array, Uint8Array[], Partial<TtyFramingCounters>]> = [
  ['clean stream', abc, [A, B, C], {}],
  ['dropped byte in B', cut(abc, bAt + 20), [A, C], { badCrc: 1 }],
  ['dropped first byte of B', cut(abc, bAt), [A, C], { badCrc: 1 }],
  ['flipped byte in B', put(abc, bAt + 20, abc[bAt + 20] ^ 0x01), [A, C], { badCrc: 1 }],
  ['flipped byte in B CRC', put(abc, bAt + 61, abc[bAt + 61] ^ 0x80), [A, C], { badCrc: 1 }],
  ['byte in B flipped to 0xDB (bad escape)', put(abc, bAt + 20, 0xdb), [A, C], { badEscape: 1 }],
  ['byte in B flipped to 0xC0 (split into two bad halves)', put(abc, bAt + 30, 0xc0), [A, C], { badCrc: 2 }],
  ['byte in B flipped to 0xC0 early (runt + bad CRC)', put(abc, bAt + 5, 0xc0), [A, C], { runt: 1, badCrc: 1 }],
  ['garbage injected between frames', insert(abc, wA.length, '0102030405'), [A, B, C], { runt: 1 }],
  ['garbage with a bad escape between frames', insert(abc, wA.length, 'db01'), [A, B, C], { badEscape: 1 }],
  ['dangling escape before a delimiter', insert(abc, wA.length, 'dbc0'), [A, B, C], { badEscape: 1 }],
  ['garbage byte injected inside B', insert(abc, bAt + 10, '55'), [A, C], { badCrc: 1 }],
  ['B truncated to 10 bytes', concat(wA, wB.subarray(0, 11), wC), [A, C], { runt: 1 }],
  ['B truncated to 40 bytes', concat(wA, wB.subarray(0, 41), wC), [A, C], { badCrc: 1 }],
  ['one delimiter between A and B lost', cut(abc, wA.length - 1), [A, B, C], {}],
  ['both delimiters between B and C lost', concat(wA, wB.subarray(0, -1), wC.subarray(1), wD), [A, D], { badCrc: 1 }],
  ['oversize frame then a good one', concat(oversized, wA), [A], { oversize: 1 }],
  ['oversize frame with a bad escape counts as bad escape', concat(insert(oversized, 100, 'db77'), wA), [A], { badEscape: 1 }],
];

for (const [name, wire, survivors, counted] of CORRUPTIONS) {
  decode(`corruption: ${name}`, () => {
    const d = new TtyFrameDecoder();
    const got = d.push(wire);
    assert.equal(got.map(toHex), survivors.map(toHex));
    const bytes = survivors.reduce((n, f) => n + f.length, 0);
    assert.equal(d.counters, { ...zero(), ...counted, frames: survivors.length, bytes });
    // After any corruption, the next good frame decodes.
    assert.equal(d.push(wD).map(toHex), [toHex(D)]);
  });
}

decode('a lost closing delimiter costs nothing: the next frame opens with its own', () => {
  const d = new TtyFrameDecoder();
  assert.equal(d.push(concat(wA, wB.subarray(0, -1))).map(toHex), [toHex(A)]);
  assert.equal(d.push(wC).map(toHex), [toHex(B), toHex(C)]);
  assert.equal(d.counters, { ...zero(), frames: 3, bytes: 180 });
});

decode('chunk boundaries at every position give the same frames and counters', () => {
  const wire = concat(
    ...ENCODER_VECTORS.map(([, , w]) => hex(w)),
    put(abc, bAt + 20, 0xdb),
    hex('c0 0102 c0 db c0'),
  );
  const whole = new TtyFrameDecoder();
  const expected = whole.push(wire).map(toHex);
  assert.is(expected.length, 5);
  for (let k = 0; k <= wire.length; k++) {
    const d = new TtyFrameDecoder();
    const got = [...d.push(wire.subarray(0, k)), ...d.push(wire.subarray(k))];
    assert.equal(got.map(toHex), expected, `split at ${k}`);
    assert.equal(d.counters, whole.counters, `split at ${k}`);
  }
  const bytewise = new TtyFrameDecoder();
  const got: Uint8Array[] = [];
  for (let i = 0; i < wire.length; i++) got.push(...bytewise.push(wire.subarray(i, i + 1)));
  assert.equal(got.map(toHex), expected);
  assert.equal(bytewise.counters, whole.counters);
});

decode('the CRC trailer is little-endian crc32 of the payload', () => {
  const f = plainFrame(9, 20);
  const wire = encodeTtyFrame(f);
  const c = crc32(f);
  const trailer = wire.subarray(21, 25);
  // plainFrame bytes never need escaping; skip this check if the trailer itself did.
  if (wire.length === 26) assert.equal(Array.from(trailer), [c & 0xff, (c >>> 8) & 0xff, (c >>> 16) & 0xff, c >>> 24]);
  else assert.ok(wire.length > 26);
});

encode.run();
decode.run();
