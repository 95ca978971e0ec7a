import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ipOption,
  OPT_CLIENT_ID,
  OPT_DNS,
  OPT_MESSAGE_TYPE,
  parseDhcp,
  readIpOption,
  readUintOption,
  serializeDhcp,
  textOption,
  uintOption,
  type DhcpPacket,
} from '../src/net/dhcp.ts';
import { toHex } from './support/bytes.ts';

const PACKET: DhcpPacket = {
  op: 1,
  xid: 0x3903f326,
  secs: 3,
  flags: 0x8000,
  ciaddr: '0.0.0.0',
  yiaddr: '10.0.2.15',
  siaddr: '10.0.2.1',
  giaddr: '0.0.0.0',
  chaddr: '52:54:00:12:34:56',
  options: new Map([
    [OPT_MESSAGE_TYPE, uintOption(1, 1)],
    [OPT_DNS, ipOption('10.0.2.3', '8.8.8.8')],
    [12, textOption('vm15')],
  ]),
};

const serialize = suite('serializeDhcp');

serialize('writes the fixed fields, cookie and options at their offsets, padded to 300', () => {
  const b = serializeDhcp(PACKET);
  assert.is(b.length, 300);
  assert.is(toHex(b.subarray(0, 28)), '01010600' + '3903f326' + '0003' + '8000' + '00000000' + '0a00020f' + '0a000201' + '00000000');
  assert.is(toHex(b.subarray(28, 44)), '525400123456' + '00'.repeat(10));
  assert.ok(b.subarray(44, 236).every((x) => x === 0), 'sname and file are empty');
  assert.is(toHex(b.subarray(236, 240)), '63825363');
  assert.is(toHex(b.subarray(240, 260)), '350101' + '06080a000203' + '08080808' + '0c04766d3135' + 'ff');
  assert.ok(b.subarray(260).every((x) => x === 0));
});

serialize('grows past 300 bytes and splits options longer than 255 bytes', () => {
  const long = new Uint8Array(300).fill(7);
  const b = serializeDhcp({ ...PACKET, options: new Map([[OPT_CLIENT_ID, long]]) });
  assert.is(b.length, 240 + 2 + 255 + 2 + 45 + 1);
  assert.is(b[240], OPT_CLIENT_ID);
  assert.is(b[241], 255);
  assert.is(b[240 + 257], OPT_CLIENT_ID);
  assert.is(b[240 + 258], 45);
  const r = parseDhcp(b);
  assert.is(r.ok && toHex(r.value.options.get(OPT_CLIENT_ID)!), toHex(long));
});

const parse = suite('parseDhcp');

parse('round-trips every field', () => {
  const r = parseDhcp(serializeDhcp(PACKET));
  assert.ok(r.ok);
  if (!r.ok) return;
  const { options, ...fields } = r.value;
  const { options: expectedOptions, ...expectedFields } = PACKET;
  assert.equal(fields, expectedFields);
  assert.equal([...options.keys()], [...expectedOptions.keys()]);
  assert.equal(readIpOption(r.value, OPT_DNS), ['10.0.2.3', '8.8.8.8']);
  assert.is(readUintOption(r.value, OPT_MESSAGE_TYPE), 1);
});

parse('skips pad options and stops at END', () => {
  const b = serializeDhcp({ ...PACKET, options: new Map() });
  b.set([0, 0, 53, 1, 3, 255, 53, 1, 5], 240);
  const r = parseDhcp(b);
  assert.is(r.ok && readUintOption(r.value, OPT_MESSAGE_TYPE), 3);
});

const good = serializeDhcp(PACKET);
const mutate = (f: (b: Uint8Array) => Uint8Array | void) => {
  const b = good.slice();
  return f(b) ?? b;
};
const BAD: Array<[string, Uint8Array, string]> = [
  ['239 bytes', good.subarray(0, 239), 'ERR_TRUNCATED'],
  ['htype 6', mutate((b) => void (b[1] = 6)), 'ERR_UNSUPPORTED'],
  ['hlen 8', mutate((b) => void (b[2] = 8)), 'ERR_UNSUPPORTED'],
  ['bad magic cookie', mutate((b) => void (b[239] = 0x64)), 'ERR_BAD_MAGIC'],
  ['no options, no END', good.subarray(0, 240), 'ERR_BAD_OPTIONS'],
  ['option length overruns the packet', mutate((b) => b.subarray(0, 250)), 'ERR_BAD_OPTIONS'],
  ['option code is the last byte', mutate((b) => b.subarray(0, 243)), 'ERR_BAD_OPTIONS'],
  ['END missing, zero padding only', mutate((b) => b.fill(0, 240)), 'ERR_BAD_OPTIONS'],
];
for (const [name, bytes, code] of BAD) {
  parse(`${name} -> ${code}`, () => assert.equal(parseDhcp(bytes), { ok: false, code }));
}

const readers = suite('readIpOption / readUintOption');
readers('return undefined for absent or misshapen options', () => {
  const p = { ...PACKET, options: new Map([[1, new Uint8Array(3)], [2, new Uint8Array(3)]]) };
  assert.is(readIpOption(p, 1), undefined);
  assert.is(readIpOption(p, 9), undefined);
  assert.is(readUintOption(p, 2), undefined);
  assert.is(readUintOption(p, 9), undefined);
});
readers('uintOption writes big-endian', () => {
  assert.is(toHex(uintOption(3600, 4)), '00000e10');
  assert.is(toHex(uintOption(0xfffffffe, 4)), 'fffffffe');
  assert.is(toHex(uintOption(1500, 2)), '05dc');
});

serialize.run();
parse.run();
readers.run();
