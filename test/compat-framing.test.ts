import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CompatFrameDecoder, encodeCompatFrame } from '../src/net/compat-framing.ts';
import { ERR_FRAME_SIZE, MAX_FRAME_BYTES } from '../src/net/tty-framing.ts';

const hex = (s: string) => Uint8Array.from((s.replace(/\s+/g, '').match(/../g) ?? []).map((b) => parseInt(b, 16)));
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) (out.set(p, o), (o += p.length));
  return out;
};
const frameOf = (seed: number, n: number) => Uint8Array.from({ length: n }, (_, i) => (seed + i * 13) & 0xff);

const encode = suite('encodeCompatFrame');

encode('prefixes a big-endian u16 length', () => {
  assert.is(toHex(encodeCompatFrame(hex('ffffffffffff 525400123456 0806'))), '000effffffffffff5254001234560806');
  assert.is(toHex(encodeCompatFrame(new Uint8Array(0x1234)).subarray(0, 2)), '1234');
});

encode('throws ERR_FRAME_SIZE outside 14..MAX_FRAME_BYTES', () => {
  for (const n of [13, MAX_FRAME_BYTES + 1]) {
    try {
      encodeCompatFrame(new Uint8Array(n));
      assert.unreachable();
    } catch (err) {
      assert.instance(err, RangeError);
      assert.is((err as { code?: string }).code, ERR_FRAME_SIZE);
    }
  }
});

const decode = suite('CompatFrameDecoder');
const F1 = frameOf(1, 14);
const F2 = frameOf(2, 1514);
const F3 = frameOf(3, 60);
const stream = concat(encodeCompatFrame(F1), encodeCompatFrame(F2), encodeCompatFrame(F3));

decode('decodes back-to-back frames and counts them', () => {
  const seen: Uint8Array[] = [];
  const d = new CompatFrameDecoder((f) => seen.push(f));
  assert.equal(d.push(stream).map(toHex), [F1, F2, F3].map(toHex));
  assert.is(seen.length, 3);
  assert.equal(d.counters, { frames: 3, bytes: 14 + 1514 + 60, oversize: 0, runt: 0 });
});

decode('chunk boundaries at every position give the same frames', () => {
  for (let k = 0; k <= stream.length; k += k < 40 || k > stream.length - 80 ? 1 : 97) {
    const d = new CompatFrameDecoder();
    const got = [...d.push(stream.subarray(0, k)), ...d.push(stream.subarray(k))];
    assert.equal(got.map(toHex), [F1, F2, F3].map(toHex), `split at ${k}`);
  }
  const d = new CompatFrameDecoder();
  const got: Uint8Array[] = [];
  for (let i = 0; i < stream.length; i++) got.push(...d.push(stream.subarray(i, i + 1)));
  assert.is(got.length, 3);
});

decode('skips (and counts) frames whose prefix is too long or too short, staying in step', () => {
  const d = new CompatFrameDecoder();
  const tooLong = concat(hex('2400'), new Uint8Array(0x2400)); // 9216 > MAX_FRAME_BYTES
  const tooShort = hex('0003 010203');
  const empty = hex('0000');
  const got = d.push(concat(tooLong, tooShort, empty, encodeCompatFrame(F3)));
  assert.equal(got.map(toHex), [toHex(F3)]);
  assert.equal(d.counters, { frames: 1, bytes: 60, oversize: 1, runt: 2 });
});

decode('a lost byte desynchronises it (why ttyS1 uses its own framing)', () => {
  const d = new CompatFrameDecoder();
  const lossy = concat(stream.subarray(0, 5), stream.subarray(6));
  assert.not.equal(d.push(lossy).map(toHex), [F1, F2, F3].map(toHex));
});

encode.run();
decode.run();
