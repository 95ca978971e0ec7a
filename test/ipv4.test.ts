import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  formatIp,
  internetChecksum,
  ipToNumber,
  IPPROTO_UDP,
  numberToIp,
  parseIp,
  parseIpv4,
  pseudoHeaderSum,
  serializeIpv4,
} from '../src/net/ipv4.ts';
import { concat, hex, toHex } from './support/bytes.ts';

// 10.0.2.15 -> 10.0.2.1, UDP, TTL 64, 13-byte payload; checksum 0x62bd computed independently.
const PAYLOAD = hex('0044004300' + '0d' + 'a36b' + '68656c6c6f');
const PACKET = concat(hex('4500 0021 0000 0000 4011 62bd 0a00020f 0a000201'), PAYLOAD);

const addr = suite('parseIp / formatIp / ipToNumber / numberToIp');
const ADDRS: Array<[string, string | null]> = [
  ['10.0.2.15', '0a00020f'],
  ['0.0.0.0', '00000000'],
  ['255.255.255.255', 'ffffffff'],
  ['256.0.0.1', null],
  ['10.0.2', null],
  ['10.0.2.1.5', null],
  ['a.b.c.d', null],
  ['', null],
];
for (const [text, expected] of ADDRS) {
  addr(`${JSON.stringify(text)} -> ${expected ?? 'ERR_BAD_ADDRESS'}`, () => {
    const r = parseIp(text);
    if (expected === null) assert.equal(r, { ok: false, code: 'ERR_BAD_ADDRESS' });
    else {
      assert.is(r.ok && toHex(r.value), expected);
      assert.is(formatIp(hex(expected)), text);
      assert.is(ipToNumber(text), parseInt(expected, 16));
      assert.is(numberToIp(parseInt(expected, 16)), text);
    }
  });
}

const checksum = suite('internetChecksum');
checksum('the classic RFC 1071-style header example gives 0xb861', () => {
  const header = hex('4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7');
  assert.is(internetChecksum(header), 0xb861);
  header[10] = 0xb8;
  header[11] = 0x61;
  assert.is(internetChecksum(header), 0);
});
checksum('pads an odd length with a zero byte', () => {
  assert.is(internetChecksum(hex('0102 03')), internetChecksum(hex('0102 0300')));
});
checksum('pseudo-header sum makes the UDP vector verify', () => {
  const sum = pseudoHeaderSum('10.0.2.15', '10.0.2.1', IPPROTO_UDP, PAYLOAD.length);
  assert.is(internetChecksum(PAYLOAD, sum), 0);
});
checksum('folds large carries', () => {
  assert.is(internetChecksum(new Uint8Array(4096).fill(0xff)), 0);
});

const parse = suite('parseIpv4');
parse('reads every field of a known packet', () => {
  const r = parseIpv4(PACKET);
  assert.ok(r.ok);
  if (!r.ok) return;
  const { payload, options, ...fields } = r.value;
  assert.equal(fields, {
    tos: 0,
    identification: 0,
    dontFragment: false,
    moreFragments: false,
    fragmentOffsetBytes: 0,
    ttl: 64,
    protocol: IPPROTO_UDP,
    src: '10.0.2.15',
    dst: '10.0.2.1',
  });
  assert.is(options.length, 0);
  assert.is(toHex(payload), toHex(PAYLOAD));
});
parse('ends the payload at the total length, ignoring Ethernet padding', () => {
  const r = parseIpv4(concat(PACKET, new Uint8Array(13)));
  assert.is(r.ok && toHex(r.value.payload), toHex(PAYLOAD));
});
parse('reads flags, fragment offset and options', () => {
  const header = hex('4600 0018 1234 2003 4001 0000 0a000001 0a000002 01010100');
  const sum = internetChecksum(header);
  header[10] = sum >>> 8;
  header[11] = sum & 0xff;
  const r = parseIpv4(header);
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.is(r.value.moreFragments, true);
  assert.is(r.value.dontFragment, false);
  assert.is(r.value.fragmentOffsetBytes, 24);
  assert.is(r.value.identification, 0x1234);
  assert.is(toHex(r.value.options), '01010100');
  assert.is(r.value.payload.length, 0);
});
const corrupt = (i: number, v: number) => {
  const p = PACKET.slice();
  p[i] = v;
  return p;
};
const BAD: Array<[string, Uint8Array, string]> = [
  ['19 bytes', PACKET.subarray(0, 19), 'ERR_TRUNCATED'],
  ['shorter than its total length', PACKET.subarray(0, PACKET.length - 1), 'ERR_TRUNCATED'],
  ['version 6', corrupt(0, 0x65), 'ERR_BAD_VERSION'],
  ['IHL 4', corrupt(0, 0x44), 'ERR_BAD_LENGTH'],
  ['total length below the header', corrupt(3, 19), 'ERR_BAD_LENGTH'],
  ['IHL beyond the data', corrupt(0, 0x4f), 'ERR_BAD_LENGTH'],
  ['flipped TTL', corrupt(8, 63), 'ERR_BAD_CHECKSUM'],
];
for (const [name, bytes, code] of BAD) {
  parse(`${name} -> ${code}`, () => assert.equal(parseIpv4(bytes), { ok: false, code }));
}

const serialize = suite('serializeIpv4');
serialize('writes the known packet byte for byte', () => {
  const bytes = serializeIpv4({ src: '10.0.2.15', dst: '10.0.2.1', protocol: IPPROTO_UDP, payload: PAYLOAD });
  assert.is(toHex(bytes), toHex(PACKET));
});
serialize('writes DF, TTL, TOS and id, and the result parses', () => {
  const bytes = serializeIpv4({
    src: '10.0.2.1',
    dst: '10.0.2.15',
    protocol: 1,
    payload: hex('00'),
    ttl: 255,
    tos: 0x10,
    identification: 0xbeef,
    dontFragment: true,
  });
  assert.is(toHex(bytes.subarray(0, 10)), '45100015beef4000ff01');
  const r = parseIpv4(bytes);
  assert.is(r.ok && r.value.dontFragment && r.value.ttl, 255);
});

addr.run();
checksum.run();
parse.run();
serialize.run();
