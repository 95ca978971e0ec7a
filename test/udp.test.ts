import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseUdp, serializeUdp } from '../src/net/udp.ts';
import { concat, hex, toHex } from './support/bytes.ts';

// 10.0.2.15:68 -> 10.0.2.1:67 "hello"; checksum 0xa36b computed independently.
const ADDRS = { src: '10.0.2.15', dst: '10.0.2.1' };
const DATAGRAM = hex('0044 0043 000d a36b 68656c6c6f');

const parse = suite('parseUdp');
parse('reads ports and payload, verifying the checksum', () => {
  const r = parseUdp(DATAGRAM, ADDRS);
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.is(r.value.srcPort, 68);
  assert.is(r.value.dstPort, 67);
  assert.is(new TextDecoder().decode(r.value.payload), 'hello');
});
parse('ends the payload at the UDP length', () => {
  const r = parseUdp(concat(DATAGRAM, hex('0000')), ADDRS);
  assert.is(r.ok && r.value.payload.length, 5);
});
parse('checksum 0 means none', () => {
  const d = DATAGRAM.slice();
  d[6] = d[7] = 0;
  assert.ok(parseUdp(d, ADDRS).ok);
});
parse('without addresses the checksum is not checked', () => {
  const d = DATAGRAM.slice();
  d[7] ^= 1;
  assert.ok(parseUdp(d).ok);
  assert.equal(parseUdp(d, ADDRS), { ok: false, code: 'ERR_BAD_CHECKSUM' });
});
const BAD: Array<[string, Uint8Array, string]> = [
  ['7 bytes', DATAGRAM.subarray(0, 7), 'ERR_TRUNCATED'],
  ['length beyond the data', DATAGRAM.subarray(0, 12), 'ERR_TRUNCATED'],
  ['length 7', hex('0044 0043 0007 0000'), 'ERR_BAD_LENGTH'],
  ['wrong addresses', DATAGRAM, 'ERR_BAD_CHECKSUM'],
];
for (const [name, bytes, code] of BAD) {
  parse(`${name} -> ${code}`, () =>
    assert.equal(parseUdp(bytes, name === 'wrong addresses' ? { src: '10.0.2.16', dst: '10.0.2.1' } : ADDRS), { ok: false, code }),
  );
}

const serialize = suite('serializeUdp');
serialize('writes the known datagram byte for byte', () => {
  const bytes = serializeUdp({ srcPort: 68, dstPort: 67, payload: new TextEncoder().encode('hello') }, ADDRS);
  assert.is(toHex(bytes), toHex(DATAGRAM));
});
serialize('never writes a checksum of 0', () => {
  // Search a payload whose checksum computes to 0, which must go out as 0xffff.
  for (let x = 0; x < 0x10000; x++) {
    const payload = hex(x.toString(16).padStart(4, '0'));
    const bytes = serializeUdp({ srcPort: 1, dstPort: 2, payload }, ADDRS);
    const sum = (bytes[6] << 8) | bytes[7];
    assert.is.not(sum, 0);
    if (sum === 0xffff) return;
  }
  assert.unreachable('no payload gave a zero checksum');
});

parse.run();
serialize.run();
