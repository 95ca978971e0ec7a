import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { crc32 } from '../src/net/crc32.ts';

const ascii = (s: string) => new TextEncoder().encode(s);

const crc = suite('crc32');

const VECTORS: Array<[string, number]> = [
  ['', 0x00000000],
  ['a', 0xe8b7be43],
  ['123456789', 0xcbf43926], // the standard check value
  ['The quick brown fox jumps over the lazy dog', 0x414fa339],
];

for (const [text, expected] of VECTORS) {
  crc(`crc32(${JSON.stringify(text)}) = 0x${expected.toString(16)}`, () => {
    assert.is(crc32(ascii(text)), expected);
  });
}

crc('continues from a previous value like zlib', () => {
  const all = ascii('123456789');
  assert.is(crc32(all.subarray(4), crc32(all.subarray(0, 4))), 0xcbf43926);
});

crc('honours start and end', () => {
  const padded = ascii('xx123456789yy');
  assert.is(crc32(padded, 0, 2, 11), 0xcbf43926);
});

crc('returns an unsigned number', () => {
  assert.ok(crc32(ascii('123456789')) > 0);
});

crc.run();
