import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatMac, isBroadcastMac, isMulticastMac, macBytes, macKey, parseMac, randomMac } from '../src/net/mac.ts';
import { hex, toHex } from './support/bytes.ts';

const parse = suite('parseMac');
const PARSE: Array<[string, string | null]> = [
  ['52:54:00:12:34:56', '525400123456'],
  ['AA:BB:CC:DD:EE:FF', 'aabbccddeeff'],
  ['aa-bb-cc-dd-ee-ff', 'aabbccddeeff'],
  ['ff:ff:ff:ff:ff:ff', 'ffffffffffff'],
  ['52:54:00:12:34', null],
  ['52:54:00:12:34:56:78', null],
  ['52:54:00:12:34:5g', null],
  ['5254.0012.3456', null],
  ['', null],
  [' 52:54:00:12:34:56', null],
];
for (const [text, expected] of PARSE) {
  parse(`${JSON.stringify(text)} -> ${expected ?? 'ERR_BAD_ADDRESS'}`, () => {
    const r = parseMac(text);
    if (expected === null) assert.equal(r, { ok: false, code: 'ERR_BAD_ADDRESS' });
    else assert.is(r.ok && toHex(r.value), expected);
  });
}

const bytes = suite('macBytes');
bytes('throws a TypeError with ERR_BAD_ADDRESS on bad text', () => {
  try {
    macBytes('nope');
    assert.unreachable();
  } catch (err) {
    assert.instance(err, TypeError);
    assert.is((err as { code?: string }).code, 'ERR_BAD_ADDRESS');
  }
  assert.is(toHex(macBytes('02:00:00:00:00:01')), '020000000001');
});

const format = suite('formatMac');
format('formats lower case at an offset', () => {
  assert.is(formatMac(hex('00 AABBCCDDEE0F 00'), 1), 'aa:bb:cc:dd:ee:0f');
  assert.is(formatMac(hex('525400123456')), '52:54:00:12:34:56');
});

const kinds = suite('isBroadcastMac / isMulticastMac');
const KINDS: Array<[string, boolean, boolean]> = [
  ['ffffffffffff', true, true],
  ['01005e000001', false, true], // IPv4 multicast
  ['333300000001', false, true], // IPv6 multicast
  ['525400123456', false, false],
  ['020000000001', false, false],
  ['fffffffffffe', false, true],
];
for (const [mac, broadcast, multicast] of KINDS) {
  kinds(mac, () => {
    assert.is(isBroadcastMac(hex(mac)), broadcast);
    assert.is(isMulticastMac(hex(mac)), multicast);
    assert.is(isBroadcastMac(hex('0000' + mac), 2), broadcast);
    assert.is(isMulticastMac(hex('0000' + mac), 2), multicast);
  });
}

const key = suite('macKey');
key('is the 48-bit value, exact', () => {
  assert.is(macKey(hex('ffffffffffff')), 2 ** 48 - 1);
  assert.is(macKey(hex('000000000001')), 1);
  assert.is(macKey(hex('010000000000')), 2 ** 40);
  assert.is(macKey(hex('00 525400123456'), 1), 0x525400123456);
});

const random = suite('randomMac');
random('is locally administered unicast, other bits from the source', () => {
  assert.is(randomMac((b) => b.fill(0xff)), 'fe:ff:ff:ff:ff:ff');
  assert.is(randomMac((b) => b.fill(0x00)), '02:00:00:00:00:00');
  assert.is(randomMac((b) => b.set([0x13, 1, 2, 3, 4, 5])), '12:01:02:03:04:05');
});

parse.run();
bytes.run();
format.run();
kinds.run();
key.run();
random.run();
