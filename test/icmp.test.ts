import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseIcmp, serializeIcmpEcho } from '../src/net/icmp.ts';
import { hex, toHex } from './support/bytes.ts';

// Echo request id 0x1234 seq 1 "abcd" (checksum 0x2104) and its reply (0x2904), computed independently.
const REQUEST = hex('08 00 2104 1234 0001 61626364');
const REPLY = hex('00 00 2904 1234 0001 61626364');

const parse = suite('parseIcmp');
parse('reads an echo request', () => {
  const r = parseIcmp(REQUEST);
  assert.ok(r.ok && r.value.kind === 'echo-request');
  if (!r.ok || r.value.kind !== 'echo-request') return;
  assert.is(r.value.identifier, 0x1234);
  assert.is(r.value.sequence, 1);
  assert.is(toHex(r.value.data), '61626364');
});
parse('reads an echo reply', () => {
  const r = parseIcmp(REPLY);
  assert.is(r.ok && r.value.kind, 'echo-reply');
});
parse('keeps other messages by type and code', () => {
  const unreachable = hex('03 03 0000 00000000 4500');
  const sum = 0xffff - ((0x0303 + 0x4500) % 0xffff);
  unreachable[2] = sum >>> 8;
  unreachable[3] = sum & 0xff;
  const r = parseIcmp(unreachable);
  assert.ok(r.ok);
  if (!r.ok || r.value.kind !== 'other') return assert.unreachable();
  assert.is(r.value.type, 3);
  assert.is(r.value.code, 3);
  assert.is(toHex(r.value.rest), '000000004500');
});
const flipped = REQUEST.slice();
flipped[9] ^= 0x20;
const BAD: Array<[string, Uint8Array, string]> = [
  ['7 bytes', REQUEST.subarray(0, 7), 'ERR_TRUNCATED'],
  ['flipped data byte', flipped, 'ERR_BAD_CHECKSUM'],
];
for (const [name, bytes, code] of BAD) {
  parse(`${name} -> ${code}`, () => assert.equal(parseIcmp(bytes), { ok: false, code }));
}

const serialize = suite('serializeIcmpEcho');
serialize('writes a request and a reply byte for byte', () => {
  const data = hex('61626364');
  assert.is(toHex(serializeIcmpEcho({ kind: 'echo-request', identifier: 0x1234, sequence: 1, data })), toHex(REQUEST));
  assert.is(toHex(serializeIcmpEcho({ kind: 'echo-reply', identifier: 0x1234, sequence: 1, data })), toHex(REPLY));
});

parse.run();
serialize.run();
