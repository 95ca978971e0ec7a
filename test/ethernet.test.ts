import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ETHERTYPE_ARP, parseEthernet, serializeEthernet } from '../src/net/ethernet.ts';
import { hex, toHex } from './support/bytes.ts';

const parse = suite('parseEthernet');

parse('reads addresses, EtherType and payload', () => {
  const r = parseEthernet(hex('ffffffffffff 525400123456 0806 0102'));
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.is(r.value.dst, 'ff:ff:ff:ff:ff:ff');
  assert.is(r.value.src, '52:54:00:12:34:56');
  assert.is(r.value.etherType, ETHERTYPE_ARP);
  assert.is(toHex(r.value.payload), '0102');
});

parse('a bare header has an empty payload', () => {
  const r = parseEthernet(hex('ffffffffffff 525400123456 0800'));
  assert.is(r.ok && r.value.payload.length, 0);
});

parse('keeps padding in the payload of a 60-byte frame', () => {
  const frame = new Uint8Array(60);
  const r = parseEthernet(frame);
  assert.is(r.ok && r.value.payload.length, 46);
});

for (const n of [0, 1, 13]) {
  parse(`${n} bytes is ERR_TRUNCATED`, () => {
    assert.equal(parseEthernet(new Uint8Array(n)), { ok: false, code: 'ERR_TRUNCATED' });
  });
}

const serialize = suite('serializeEthernet');

serialize('writes header then payload, no padding', () => {
  const bytes = serializeEthernet({ dst: 'ff:ff:ff:ff:ff:ff', src: '52:54:00:12:34:56', etherType: 0x0806, payload: hex('0102') });
  assert.is(toHex(bytes), 'ffffffffffff' + '525400123456' + '0806' + '0102');
});

serialize('round-trips through parseEthernet', () => {
  const f = { dst: '02:00:00:00:00:01', src: '02:00:00:00:00:02', etherType: 0x86dd, payload: hex('deadbeef') };
  const r = parseEthernet(serializeEthernet(f));
  assert.is(r.ok && toHex(serializeEthernet(r.value)), toHex(serializeEthernet(f)));
});

serialize('throws ERR_BAD_ADDRESS on a malformed MAC', () => {
  try {
    serializeEthernet({ dst: 'x', src: '02:00:00:00:00:02', etherType: 0x0800, payload: new Uint8Array(0) });
    assert.unreachable();
  } catch (err) {
    assert.is((err as { code?: string }).code, 'ERR_BAD_ADDRESS');
  }
});

parse.run();
serialize.run();
