import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  createRoomId, isPeerId, isRoomId, isRoomIp, isUnicastMac, normalizeMac, roomIdFromHash, roomLink, ROOM_ID_LENGTH,
} from '../src/net/signal-ids.ts';

const rooms = suite('isRoomId / createRoomId');
const ROOM_CASES: Array<[unknown, boolean]> = [
  ['abcdefghijklmnop', true],
  ['A-_0123456789xyz', true],
  ['abcdefghijklmno', false],
  ['a'.repeat(64), true],
  ['a'.repeat(65), false],
  ['abcdefghijklmno/', false],
  ['abcdefghijklmno=', false],
  ['abcdefghijklmnoé', false],
  [1234567890123456, false],
  [null, false],
];
for (const [input, want] of ROOM_CASES) rooms(`${String(input)} -> ${want}`, () => assert.is(isRoomId(input), want));
rooms('createRoomId makes valid, distinct ids of the fixed length', () => {
  const ids = new Set(Array.from({ length: 200 }, createRoomId));
  assert.is(ids.size, 200);
  for (const id of ids) {
    assert.is(id.length, ROOM_ID_LENGTH);
    assert.ok(isRoomId(id));
  }
});
rooms.run();

const links = suite('roomLink / roomIdFromHash');
links('a link round-trips through its hash', () => {
  const id = createRoomId();
  const link = roomLink('https://example.test/', id);
  assert.is(link, `https://example.test/#/room/${id}`);
  assert.is(roomIdFromHash(new URL(link).hash), id);
});
const HASH_CASES: Array<[string, string | undefined]> = [
  ['#/room/abcdefghijklmnop', 'abcdefghijklmnop'],
  ['#/room/short', undefined],
  ['#/room/abcdefghijklmnop/x', undefined],
  ['#/abcdefghijklmnop', undefined],
  ['', undefined],
];
for (const [hash, want] of HASH_CASES) links(`${JSON.stringify(hash)} -> ${want}`, () => assert.is(roomIdFromHash(hash), want));
links.run();

const peers = suite('isPeerId');
for (const [input, want] of [['peer0001', true], ['peer001', false], ['x'.repeat(64), true], ['peer 001', false]] as const) {
  peers(`${input} -> ${want}`, () => assert.is(isPeerId(input), want));
}
peers.run();

const macs = suite('normalizeMac / isUnicastMac');
const MAC_CASES: Array<[unknown, string | undefined, boolean]> = [
  ['02:00:00:00:00:01', '02:00:00:00:00:01', true],
  ['52:54:00:AB:CD:EF', '52:54:00:ab:cd:ef', true],
  ['01:00:5e:00:00:01', '01:00:5e:00:00:01', false],
  ['33:33:00:00:00:01', '33:33:00:00:00:01', false],
  ['ff:ff:ff:ff:ff:ff', 'ff:ff:ff:ff:ff:ff', false],
  ['00:00:00:00:00:00', '00:00:00:00:00:00', false],
  ['02:00:00:00:00:1', undefined, false],
  ['02-00-00-00-00-01', undefined, false],
  ['0200.0000.0001xx', undefined, false],
  [42, undefined, false],
];
for (const [input, norm, unicast] of MAC_CASES) {
  macs(`${String(input)} -> ${norm} unicast=${unicast}`, () => {
    assert.is(normalizeMac(input), norm);
    if (norm) assert.is(isUnicastMac(norm), unicast);
  });
}
macs.run();

const ips = suite('isRoomIp');
const IP_CASES: Array<[unknown, boolean]> = [
  ['10.0.2.1', true], ['10.0.2.2', true], ['10.0.2.254', true], ['10.0.2.0', false], ['10.0.2.255', false],
  ['10.0.2.256', false], ['10.0.2.01', false], ['10.0.3.2', false], [' 10.0.2.2', false], [167772674, false],
];
for (const [input, want] of IP_CASES) ips(`${String(input)} -> ${want}`, () => assert.is(isRoomIp(input), want));
ips.run();
