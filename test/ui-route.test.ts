import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isRoomId } from '../src/net/signal-ids.ts';
import { parseRoute, roomForHash, roomHash, shareLinkFor, signalingUrlFor } from '../src/ui/route.ts';

const ID = 'AbCdEfGhIjKlMnOpQrStUv';

const parse = suite('parseRoute');
const cases: [string, ReturnType<typeof parseRoute>][] = [
  ['', { kind: 'none' }],
  ['#', { kind: 'none' }],
  ['#/', { kind: 'none' }],
  [`#/room/${ID}`, { kind: 'room', roomId: ID }],
  ['#/room/short', { kind: 'invalid', hash: '#/room/short' }],
  [`#/room/${ID}/x`, { kind: 'invalid', hash: `#/room/${ID}/x` }],
  [`#/room/${ID.slice(0, 10)}%20${ID.slice(10)}`, { kind: 'invalid', hash: `#/room/${ID.slice(0, 10)}%20${ID.slice(10)}` }],
  ['#/other', { kind: 'invalid', hash: '#/other' }],
];
for (const [hash, expected] of cases) {
  parse(`${JSON.stringify(hash)} is ${expected.kind}`, () => assert.equal(parseRoute(hash), expected));
}
parse.run();

const hashOf = suite('roomHash');
hashOf('round-trips through parseRoute', () => {
  assert.is(roomHash(ID), `#/room/${ID}`);
  assert.equal(parseRoute(roomHash(ID)), { kind: 'room', roomId: ID });
});
hashOf.run();

const forHash = suite('roomForHash');
forHash('keeps the room a link names', () => {
  assert.equal(roomForHash(`#/room/${ID}`, () => 'unused'), { roomId: ID, created: false, invalid: false });
});
forHash('makes a new room when the hash names none', () => {
  assert.equal(roomForHash('', () => 'NEW'), { roomId: 'NEW', created: true, invalid: false });
});
forHash('makes a new room and says so when the hash is not a valid room link', () => {
  assert.equal(roomForHash('#/room/bad', () => 'NEW'), { roomId: 'NEW', created: true, invalid: true });
});
forHash('the default maker gives valid, distinct room ids', () => {
  const a = roomForHash('').roomId;
  const b = roomForHash('').roomId;
  assert.ok(isRoomId(a) && isRoomId(b));
  assert.is.not(a, b);
});
forHash.run();

const ws = suite('signalingUrlFor');
const wsCases: [string, string][] = [
  ['http://127.0.0.1:8080/', 'ws://127.0.0.1:8080/signal'],
  ['https://example.org/#/room/x', 'wss://example.org/signal'],
  ['https://example.org:8443/app/?link=nic', 'wss://example.org:8443/signal'],
];
for (const [href, expected] of wsCases) ws(href, () => assert.is(signalingUrlFor(href), expected));
ws.run();

const share = suite('shareLinkFor');
const shareCases: [string, string][] = [
  ['http://127.0.0.1:8080/', `http://127.0.0.1:8080/#/room/${ID}`],
  ['https://example.org/?link=nic#/room/old', `https://example.org/#/room/${ID}`],
  ['https://example.org/app/index.html', `https://example.org/app/index.html#/room/${ID}`],
];
for (const [href, expected] of shareCases) share(href, () => assert.is(shareLinkFor(href, ID), expected));
share.run();
