import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseServerMessage } from '../src/net/signal-protocol.ts';
import { joinRoom, newRoom, startServer, TestClient, until } from './signaling-harness.ts';
import type { Started } from './signaling-harness.ts';

const peers = suite<{ s: Started }>('createSignalingServer: join, leave, peer lists');
peers.before(async (ctx) => {
  ctx.s = await startServer({ mtu: 1400, iceServers: [{ urls: 'stun:127.0.0.1:3478' }] });
});
peers.after(async (ctx) => ctx.s.server.close());

peers('the first join creates the room and gets .2, no peers, the options mtu and iceServers', async ({ s }) => {
  const { c, welcome } = await joinRoom(s.url, newRoom());
  const parsed = parseServerMessage(JSON.stringify(welcome));
  assert.ok(parsed.ok, 'welcome passes the shared parser');
  assert.is(welcome.version, 1);
  assert.is(welcome.ip, '10.0.2.2');
  assert.is(welcome.kind, 'vm');
  assert.is(welcome.resumed, false);
  assert.equal(welcome.peers, []);
  assert.is(welcome.mtu, 1400);
  assert.equal(welcome.iceServers, [{ urls: 'stun:127.0.0.1:3478' }]);
  assert.match(welcome.peerId, /^[A-Za-z0-9_-]{20}$/);
  assert.match(welcome.resumeToken, /^[A-Za-z0-9_-]{32}$/);
  c.close();
});

peers('members see each other join, announce and leave; a clean close leaves at once', async ({ s }) => {
  const room = newRoom();
  const a = await joinRoom(s.url, room);
  const b = await joinRoom(s.url, room, { peerId: 'peer-b-own-id' });
  assert.equal(b.welcome.peers, [{ peerId: a.welcome.peerId, ip: '10.0.2.2', mac: null, kind: 'vm' }]);
  assert.is(b.welcome.peerId, 'peer-b-own-id');
  assert.equal(await a.c.next(), { type: 'peer-joined', peerId: 'peer-b-own-id', ip: '10.0.2.3', mac: null, kind: 'vm' });
  a.c.send({ type: 'announce', mac: '02:AA:bb:cc:dd:01' });
  assert.equal(await b.c.next(), { type: 'peer-announced', peerId: a.welcome.peerId, mac: '02:aa:bb:cc:dd:01' });
  const c3 = await joinRoom(s.url, room);
  const seen = c3.welcome.peers.map((p: { peerId: string; mac: string | null }) => [p.peerId, p.mac]);
  assert.equal(seen, [[a.welcome.peerId, '02:aa:bb:cc:dd:01'], ['peer-b-own-id', null]]);
  b.c.close(1000);
  assert.equal(await a.c.next(), { type: 'peer-joined', peerId: c3.welcome.peerId, ip: '10.0.2.4', mac: null, kind: 'vm' });
  assert.equal(await a.c.next(), { type: 'peer-left', peerId: 'peer-b-own-id' });
  assert.equal(await c3.c.next(), { type: 'peer-left', peerId: 'peer-b-own-id' });
  assert.equal(await a.c.sync(), []);
  a.c.close();
  c3.c.close();
});

peers('the gateway always gets .1, and a second gateway is refused', async ({ s }) => {
  const room = newRoom();
  const vm = await joinRoom(s.url, room);
  const gw = await joinRoom(s.url, room, { kind: 'gateway' });
  assert.is(gw.welcome.ip, '10.0.2.1');
  assert.is(gw.welcome.kind, 'gateway');
  assert.equal(await vm.c.next(), { type: 'peer-joined', peerId: gw.welcome.peerId, ip: '10.0.2.1', mac: null, kind: 'gateway' });
  const gw2 = await TestClient.open(s.url);
  gw2.send({ type: 'join', room, kind: 'gateway' });
  assert.is((await gw2.next()).code, 'ERR_GATEWAY_PRESENT');
  assert.equal(await vm.c.sync(), []);
  for (const c of [vm.c, gw.c, gw2]) c.close();
});

peers('a MAC owned by one member cannot be announced by another', async ({ s }) => {
  const room = newRoom();
  const a = await joinRoom(s.url, room);
  const b = await joinRoom(s.url, room);
  await a.c.next();
  a.c.send({ type: 'announce', mac: '02:00:00:00:00:01' });
  await b.c.next();
  b.c.send({ type: 'announce', mac: '02:00:00:00:00:01' });
  assert.is((await b.c.next()).code, 'ERR_MAC_IN_USE');
  assert.equal(await a.c.sync(), []);
  a.c.close();
  b.c.close();
});

peers('the 65th member is refused by the default peers-per-room limit', async ({ s }) => {
  const room = newRoom();
  const joins = await Promise.all(Array.from({ length: 64 }, () => joinRoom(s.url, room)));
  const extra = await TestClient.open(s.url);
  extra.send({ type: 'join', room, kind: 'vm' });
  assert.equal(await extra.next(), { type: 'error', code: 'ERR_ROOM_FULL', message: 'room holds 64 peers' });
  for (const j of joins) j.c.close();
  extra.close();
});

peers('253 concurrent joins get 253 distinct addresses .2-.254; the next VM finds no address', async () => {
  const s = await startServer({ maxPeersPerRoom: 300 });
  const room = newRoom();
  const joins = await Promise.all(Array.from({ length: 253 }, () => joinRoom(s.url, room)));
  const hosts = joins.map((j) => Number(j.welcome.ip.replace(/^10\.0\.2\./, ''))).sort((x, y) => x - y);
  assert.equal(hosts, Array.from({ length: 253 }, (_, i) => i + 2));
  const extra = await TestClient.open(s.url);
  extra.send({ type: 'join', room, kind: 'vm' });
  assert.equal(await extra.next(), { type: 'error', code: 'ERR_ROOM_FULL', message: 'no free address in 10.0.2.0/24' });
  const gw = await joinRoom(s.url, room, { kind: 'gateway' });
  assert.is(gw.welcome.ip, '10.0.2.1', 'the gateway address is never given to a VM');
  await s.server.close();
});

peers.run();

const routing = suite<{ s: Started }>('createSignalingServer: signal routing and isolation');
routing.before(async (ctx) => {
  ctx.s = await startServer();
});
routing.after(async (ctx) => ctx.s.server.close());

routing('signals reach only the addressed peer, as {from, data}, candidates before the offer included', async ({ s }) => {
  const room = newRoom();
  const a = await joinRoom(s.url, room);
  const b = await joinRoom(s.url, room);
  const c = await joinRoom(s.url, room);
  await a.c.next();
  await a.c.next();
  await b.c.next();
  const sent = [
    { type: 'candidate', candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host' } },
    { type: 'candidate', candidate: { candidate: 'candidate:2 1 udp 1 127.0.0.1 5001 typ host' } },
    { type: 'offer', sdp: 'v=0\r\n' },
  ];
  for (const data of sent) a.c.send({ type: 'signal', to: b.welcome.peerId, data, extra: 'dropped' });
  for (const data of sent) assert.equal(await b.c.next(), { type: 'signal', from: a.welcome.peerId, data });
  assert.equal(await c.c.sync(), []);
  assert.is(s.server.metrics.signalsRelayed, 3);
  for (const x of [a, b, c]) x.c.close();
});

routing('a peer in another room is unknown, and the other room hears nothing', async ({ s }) => {
  const a = await joinRoom(s.url, newRoom());
  const other = await joinRoom(s.url, newRoom());
  assert.is(other.welcome.ip, '10.0.2.2', 'every room has its own 10.0.2.0/24');
  a.c.send({ type: 'signal', to: other.welcome.peerId, data: { type: 'offer' } });
  assert.equal(await a.c.next(), { type: 'error', code: 'ERR_UNKNOWN_PEER', message: 'no such peer in this room' });
  a.c.send({ type: 'announce', mac: '02:00:00:00:00:09' });
  assert.equal(await a.c.sync(), []);
  assert.equal(await other.c.sync(), []);
  a.c.close();
  other.c.close();
});

routing.run();

const resume = suite<{ s: Started }>('createSignalingServer: resume and grace');
resume.before(async (ctx) => {
  ctx.s = await startServer({ resumeGraceMs: 300 });
});
resume.after(async (ctx) => ctx.s.server.close());

resume('a dropped peer resumes with its token: same id, same ip, held signals delivered, no leave seen', async ({ s }) => {
  const room = newRoom();
  const a = await joinRoom(s.url, room);
  const b = await joinRoom(s.url, room);
  await a.c.next();
  a.c.ws.terminate();
  await until(() => s.server.gauges().peersHeld === 1);
  b.c.send({ type: 'signal', to: a.welcome.peerId, data: { n: 1 } });
  b.c.send({ type: 'signal', to: a.welcome.peerId, data: { n: 2 } });
  await b.c.sync();
  const again = await joinRoom(s.url, room, { peerId: a.welcome.peerId, resume: a.welcome.resumeToken });
  assert.is(again.welcome.resumed, true);
  assert.is(again.welcome.peerId, a.welcome.peerId);
  assert.is(again.welcome.ip, a.welcome.ip);
  assert.is.not(again.welcome.resumeToken, a.welcome.resumeToken, 'the token rotates on every welcome');
  assert.equal(await again.c.next(), { type: 'signal', from: b.welcome.peerId, data: { n: 1 } });
  assert.equal(await again.c.next(), { type: 'signal', from: b.welcome.peerId, data: { n: 2 } });
  assert.equal(await b.c.sync(), [], 'the other member saw neither a leave nor a join');
  assert.is(s.server.metrics.resumes, 1);
  again.c.close();
  b.c.close();
});

resume('a wrong token, or none, cannot take a held peer id', async ({ s }) => {
  const room = newRoom();
  const a = await joinRoom(s.url, room);
  a.c.ws.terminate();
  await until(() => s.server.gauges().peersHeld === 1);
  for (const extra of [{}, { resume: 'x'.repeat(32) }]) {
    const thief = await TestClient.open(s.url);
    thief.send({ type: 'join', room, kind: 'vm', peerId: a.welcome.peerId, ...extra });
    assert.is((await thief.next()).code, 'ERR_PEER_ID_TAKEN');
    thief.close();
  }
});

resume('a resume while the old socket is still open replaces it with close code 4000', async ({ s }) => {
  const room = newRoom();
  const a = await joinRoom(s.url, room);
  const again = await joinRoom(s.url, room, { peerId: a.welcome.peerId, resume: a.welcome.resumeToken });
  assert.is(again.welcome.ip, a.welcome.ip);
  assert.is((await a.c.closed).code, 4000);
  assert.equal(await again.c.sync(), []);
  assert.is(s.server.gauges().peers, 1);
  again.c.close();
});

resume('after the grace period the peer leaves, its address is free, and a late resume joins afresh', async ({ s }) => {
  const room = newRoom();
  const a = await joinRoom(s.url, room);
  const b = await joinRoom(s.url, room);
  await a.c.next();
  a.c.ws.terminate();
  assert.equal(await b.c.next(), { type: 'peer-left', peerId: a.welcome.peerId });
  const late = await joinRoom(s.url, room, { peerId: a.welcome.peerId, resume: a.welcome.resumeToken });
  assert.is(late.welcome.resumed, false);
  assert.is(late.welcome.peerId, a.welcome.peerId);
  assert.is(late.welcome.ip, '10.0.2.4', 'round robin: the freed .2 is not handed out at once');
  late.c.close();
  b.c.close();
});

resume.run();

const heartbeat = suite<{ s: Started }>('createSignalingServer: heartbeat');
heartbeat.before(async (ctx) => {
  ctx.s = await startServer({ heartbeatIntervalMs: 50, resumeGraceMs: 60_000 });
});
heartbeat.after(async (ctx) => ctx.s.server.close());

heartbeat('a client that answers no ping is dropped and held; one that answers stays', async ({ s }) => {
  const room = newRoom();
  const silent = await TestClient.open(s.url, { autoPong: false });
  silent.send({ type: 'join', room, kind: 'vm' });
  const welcome = await silent.next();
  const live = await joinRoom(s.url, room);
  const closed = await silent.closed;
  assert.is(closed.code, 1006, 'terminated without a close frame');
  assert.is(s.server.metrics.errorCount('ERR_HEARTBEAT'), 1);
  await until(() => s.server.gauges().peersHeld === 1);
  assert.is(live.c.ws.readyState, 1);
  assert.equal(await live.c.sync(), [], 'a held peer is not announced as gone');
  assert.is(s.server.gauges().peers, 1);
  assert.ok(welcome.peerId);
  live.c.close();
});

heartbeat.run();

const ops = suite<{ s: Started }>('createSignalingServer: /healthz, /metrics, close');
ops.before(async (ctx) => {
  ctx.s = await startServer();
});

ops('/healthz reports ok with gauges, /metrics counts joins and errors by code', async ({ s }) => {
  const a = await joinRoom(s.url, newRoom());
  a.c.send('not json');
  await a.c.next();
  const health = await fetch(`http://127.0.0.1:${s.port}/healthz`);
  assert.is(health.status, 200);
  assert.equal(await health.json(), { status: 'ok', connections: 1, rooms: 1, peers: 1, peersHeld: 0 });
  const res = await fetch(`http://127.0.0.1:${s.port}/metrics`);
  assert.is(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  const text = await res.text();
  for (const line of [
    'signaling_connections 1',
    'signaling_rooms 1',
    'signaling_joins_total 1',
    'signaling_messages_received_total{type="join"} 1',
    'signaling_messages_received_total{type="invalid"} 1',
    'signaling_errors_total{code="ERR_BAD_JSON"} 1',
  ]) {
    assert.ok(text.split('\n').includes(line), line);
  }
  assert.match(text, /^process_resident_memory_bytes \d+$/m);
  assert.is((await fetch(`http://127.0.0.1:${s.port}/other`)).status, 404);
  a.c.close();
});

ops('close() sends 1001 to every client and refuses new ones', async ({ s }) => {
  const a = await joinRoom(s.url, newRoom());
  await s.server.close();
  assert.is((await a.c.closed).code, 1001);
  assert.equal(s.server.gauges(), { connections: 0, rooms: 0, peers: 0, peersHeld: 0 });
  assert.is(s.server.httpServer.listening, false);
});

ops.run();
