// Every kind of bad input, one row each: the sender gets the coded error (or the close code), the
// error is counted, and a bystander in another room receives nothing and stays connected.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_PAYLOAD_BYTES } from '../signaling/options.ts';
import { joinRoom, newRoom, startServer, TestClient, until } from './signaling-harness.ts';
import type { Msg, Started } from './signaling-harness.ts';

const BURST = 8;
const deep = (n: number): string => '{"a":'.repeat(n) + '1' + '}'.repeat(n);

interface Row {
  name: string;
  /** Join a room (with a second member) before sending the bad input. */
  joined: boolean;
  /** What to send; a function gets the sender's own and its room-mate's peer ids, and the bystander's. */
  send: (ids: { self: string; mate: string; bystander: string }) => Array<string | Msg | Buffer>;
  code: string;
  /** WebSocket close code the sender gets, when the server closes it. */
  close?: number;
}

const ROWS: Row[] = [
  { name: 'not JSON', joined: false, send: () => ['{"type":'], code: 'ERR_BAD_JSON' },
  { name: 'empty text', joined: false, send: () => [''], code: 'ERR_BAD_JSON' },
  { name: 'a JSON array', joined: false, send: () => ['[1,2]'], code: 'ERR_BAD_MESSAGE' },
  { name: 'JSON null', joined: false, send: () => ['null'], code: 'ERR_BAD_MESSAGE' },
  { name: 'type is a number', joined: false, send: () => [{ type: 5 }], code: 'ERR_BAD_MESSAGE' },
  { name: 'no type', joined: false, send: () => [{ room: newRoom() }], code: 'ERR_BAD_MESSAGE' },
  { name: 'unknown type', joined: false, send: () => [{ type: 'subscribe', topics: ['x'] }], code: 'ERR_UNKNOWN_TYPE' },
  { name: 'binary message', joined: false, send: () => [Buffer.from('{"type":"ping"}')], code: 'ERR_BINARY' },
  { name: 'room id too short', joined: false, send: () => [{ type: 'join', room: 'abcdefghijklmno', kind: 'vm' }], code: 'ERR_BAD_ROOM' },
  { name: 'room id with a slash', joined: false, send: () => [{ type: 'join', room: 'abcdefgh/ijklmnopq', kind: 'vm' }], code: 'ERR_BAD_ROOM' },
  { name: 'room id too long', joined: false, send: () => [{ type: 'join', room: 'a'.repeat(65), kind: 'vm' }], code: 'ERR_BAD_ROOM' },
  { name: 'room id a number', joined: false, send: () => [{ type: 'join', room: 1234567890123456789, kind: 'vm' }], code: 'ERR_BAD_MESSAGE' },
  { name: 'unknown kind', joined: false, send: () => [{ type: 'join', room: newRoom(), kind: 'admin' }], code: 'ERR_BAD_MESSAGE' },
  { name: 'bad peerId', joined: false, send: () => [{ type: 'join', room: newRoom(), kind: 'vm', peerId: 'short' }], code: 'ERR_BAD_MESSAGE' },
  { name: 'resume without peerId', joined: false, send: () => [{ type: 'join', room: newRoom(), kind: 'vm', resume: 'x'.repeat(32) }], code: 'ERR_BAD_MESSAGE' },
  { name: 'malformed resume token', joined: false, send: () => [{ type: 'join', room: newRoom(), kind: 'vm', peerId: 'abcdefgh', resume: 'short' }], code: 'ERR_BAD_MESSAGE' },
  { name: 'signal before join', joined: false, send: (i) => [{ type: 'signal', to: i.bystander, data: {} }], code: 'ERR_NOT_JOINED' },
  { name: 'announce before join', joined: false, send: () => [{ type: 'announce', mac: '02:00:00:00:00:01' }], code: 'ERR_NOT_JOINED' },
  { name: 'second join', joined: true, send: () => [{ type: 'join', room: newRoom(), kind: 'vm' }], code: 'ERR_ALREADY_JOINED' },
  { name: 'signal data a string', joined: true, send: (i) => [{ type: 'signal', to: i.mate, data: 'offer' }], code: 'ERR_BAD_MESSAGE' },
  { name: 'signal data nested too deep', joined: true, send: (i) => [`{"type":"signal","to":"${i.mate}","data":${deep(10000)}}`], code: 'ERR_BAD_MESSAGE' },
  { name: 'signal without to', joined: true, send: () => [{ type: 'signal', data: {} }], code: 'ERR_BAD_MESSAGE' },
  { name: 'signal to an unknown peer', joined: true, send: () => [{ type: 'signal', to: 'nobody-here-0001', data: {} }], code: 'ERR_UNKNOWN_PEER' },
  { name: 'signal to itself', joined: true, send: (i) => [{ type: 'signal', to: i.self, data: {} }], code: 'ERR_UNKNOWN_PEER' },
  { name: 'signal to a peer in another room', joined: true, send: (i) => [{ type: 'signal', to: i.bystander, data: {} }], code: 'ERR_UNKNOWN_PEER' },
  { name: 'malformed MAC', joined: true, send: () => [{ type: 'announce', mac: '02:00:00:00:00' }], code: 'ERR_BAD_MAC' },
  { name: 'MAC with dashes', joined: true, send: () => [{ type: 'announce', mac: '02-00-00-00-00-01' }], code: 'ERR_BAD_MAC' },
  { name: 'multicast MAC', joined: true, send: () => [{ type: 'announce', mac: '01:00:5e:00:00:01' }], code: 'ERR_BAD_MAC' },
  { name: 'broadcast MAC', joined: true, send: () => [{ type: 'announce', mac: 'ff:ff:ff:ff:ff:ff' }], code: 'ERR_BAD_MAC' },
  { name: 'zero MAC', joined: true, send: () => [{ type: 'announce', mac: '00:00:00:00:00:00' }], code: 'ERR_BAD_MAC' },
  { name: 'oversized message', joined: true, send: () => [' '.repeat(MAX_PAYLOAD_BYTES + 1)], code: 'ERR_TOO_LARGE', close: 1009 },
  { name: 'invalid UTF-8 text', joined: true, send: () => [Buffer.from([0x7b, 0xff, 0xfe, 0x7d])], code: 'ERR_BAD_UTF8', close: 1007 },
  { name: 'a flood', joined: true, send: () => Array.from({ length: BURST + 1 }, () => ({ type: 'ping' })), code: 'ERR_RATE_LIMITED', close: 1008 },
];

const table = suite<{ s: Started; clock: { t: number }; bystander: Awaited<ReturnType<typeof joinRoom>> }>('bad input');
table.before(async (ctx) => {
  ctx.clock = { t: 0 };
  const clock = ctx.clock;
  ctx.s = await startServer({ messageBurst: BURST, maxMessagesPerSecond: 1, now: () => clock.t });
  ctx.bystander = await joinRoom(ctx.s.url, newRoom());
});
table.after(async (ctx) => ctx.s.server.close());

for (const row of ROWS) {
  table(`${row.name}: ${row.code}${row.close ? ` and close ${row.close}` : ''}; the bystander sees nothing`, async (ctx) => {
    const { s, bystander } = ctx;
    ctx.clock.t += 60_000; // every bucket full again: only the flood row may hit the limit
    const before = s.server.metrics.errorCount(row.code);
    const room = newRoom();
    let mate: TestClient | undefined;
    let sender: TestClient;
    let self = '';
    let mateId = '';
    if (row.joined) {
      const m = await joinRoom(s.url, room);
      const j = await joinRoom(s.url, room);
      assert.is((await m.c.next()).type, 'peer-joined');
      mate = m.c;
      mateId = m.welcome.peerId;
      sender = j.c;
      self = j.welcome.peerId;
    } else {
      sender = await TestClient.open(s.url);
    }
    for (const item of row.send({ self, mate: mateId, bystander: bystander.welcome.peerId })) {
      if (Buffer.isBuffer(item)) sender.ws.send(item, { binary: row.code === 'ERR_BINARY' });
      else sender.send(item);
    }
    if (row.close) {
      const closed = await sender.closed;
      assert.is(closed.code, row.close);
      if (row.code === 'ERR_RATE_LIMITED') {
        const errors = sender.received.filter((m) => m.type === 'error');
        assert.equal(errors.map((m) => m.code), ['ERR_RATE_LIMITED']);
      }
      await until(() => s.server.metrics.errorCount(row.code) === before + 1);
    } else {
      const err = await sender.next();
      assert.is(err.type, 'error');
      assert.is(err.code, row.code);
      assert.type(err.message, 'string');
      assert.equal(await sender.sync(), [], 'one error, nothing else');
      assert.is(s.server.metrics.errorCount(row.code), before + 1);
    }
    if (mate) assert.equal(await mate.sync(), [], 'the room-mate heard nothing either');
    assert.equal(await bystander.c.sync(), []);
    assert.is(bystander.c.ws.readyState, 1);
    sender.close();
    mate?.close();
  });
}

table('a message of exactly maxPayload bytes is accepted', async ({ s }) => {
  const c = await TestClient.open(s.url);
  const text = '{"type":"ping"}';
  c.send(text + ' '.repeat(MAX_PAYLOAD_BYTES - text.length));
  assert.equal(await c.next(), { type: 'pong' });
  c.close();
});

table.run();

const limits = suite('room and connection limits');

limits('past maxRooms a join that would open a room gets ERR_TOO_MANY_ROOMS; joining an open room still works', async () => {
  const s = await startServer({ maxRooms: 1 });
  const room = newRoom();
  const a = await joinRoom(s.url, room);
  const c = await TestClient.open(s.url);
  c.send({ type: 'join', room: newRoom(), kind: 'vm' });
  assert.is((await c.next()).code, 'ERR_TOO_MANY_ROOMS');
  const b = await joinRoom(s.url, room);
  assert.is(b.welcome.ip, '10.0.2.3');
  await s.server.close();
  void a;
});

limits('past maxConnections the upgrade is refused with HTTP 503', async () => {
  const s = await startServer({ maxConnections: 1 });
  const a = await TestClient.open(s.url);
  const status = await new Promise<number>((resolve) => {
    TestClient.open(s.url).catch((err: Error) => resolve(Number(/\d{3}/.exec(err.message)?.[0])));
  });
  assert.is(status, 503);
  assert.is(s.server.metrics.errorCount('ERR_SERVER_FULL'), 1);
  a.close();
  await s.server.close();
});

limits('an unknown WebSocket path is refused with 404', async () => {
  const s = await startServer();
  const status = await new Promise<number>((resolve) => {
    TestClient.open(`ws://127.0.0.1:${s.port}/other`).catch((err: Error) => resolve(Number(/\d{3}/.exec(err.message)?.[0])));
  });
  assert.is(status, 404);
  await s.server.close();
});

limits.run();
