import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ARP_OP_REPLY, ARP_OP_REQUEST, parseArp, serializeArp } from '../src/net/arp.ts';
import { concat, hex, toHex } from './support/bytes.ts';

// Who has 10.0.2.1? Tell 10.0.2.15 (52:54:00:12:34:56).
const REQUEST = hex('0001 0800 06 04 0001 525400123456 0a00020f 000000000000 0a000201');
const REQUEST_FIELDS = {
  op: ARP_OP_REQUEST,
  senderMac: '52:54:00:12:34:56',
  senderIp: '10.0.2.15',
  targetMac: '00:00:00:00:00:00',
  targetIp: '10.0.2.1',
};

const parse = suite('parseArp');

parse('reads a request', () => {
  assert.equal(parseArp(REQUEST), { ok: true, value: REQUEST_FIELDS });
});

parse('ignores Ethernet padding after the 28 bytes', () => {
  assert.equal(parseArp(concat(REQUEST, new Uint8Array(18))), { ok: true, value: REQUEST_FIELDS });
});

const BAD: Array<[string, Uint8Array, string]> = [
  ['empty', new Uint8Array(0), 'ERR_TRUNCATED'],
  ['cut inside the fixed part', REQUEST.subarray(0, 7), 'ERR_TRUNCATED'],
  ['cut inside the addresses', REQUEST.subarray(0, 27), 'ERR_TRUNCATED'],
  ['hardware type 6', hex('0006 0800 06 04 0001' + '00'.repeat(20)), 'ERR_UNSUPPORTED'],
  ['protocol IPv6', hex('0001 86dd 06 04 0001' + '00'.repeat(20)), 'ERR_UNSUPPORTED'],
  ['hardware length 8', hex('0001 0800 08 04 0001' + '00'.repeat(24)), 'ERR_UNSUPPORTED'],
  ['protocol length 16', hex('0001 0800 06 10 0001' + '00'.repeat(44)), 'ERR_UNSUPPORTED'],
];
for (const [name, bytes, code] of BAD) {
  parse(`${name} -> ${code}`, () => assert.equal(parseArp(bytes), { ok: false, code }));
}

const serialize = suite('serializeArp');

serialize('writes a request byte for byte', () => {
  assert.is(toHex(serializeArp(REQUEST_FIELDS)), toHex(REQUEST));
});

serialize('writes a reply byte for byte', () => {
  const reply = serializeArp({
    op: ARP_OP_REPLY,
    senderMac: '02:00:00:00:00:01',
    senderIp: '10.0.2.1',
    targetMac: '52:54:00:12:34:56',
    targetIp: '10.0.2.15',
  });
  assert.is(toHex(reply), toHex(hex('0001 0800 06 04 0002 020000000001 0a000201 525400123456 0a00020f')));
});

parse.run();
serialize.run();
