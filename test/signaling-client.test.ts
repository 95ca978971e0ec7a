import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { WebSocket } from 'ws';
import { SignalingClient } from '../src/p2p/signaling-client.ts';
import type { SignalingClientOptions, SignalingEvents, WebSocketConstructor } from '../src/p2p/signaling-client.ts';
import { joinRoom, newRoom, startServer, until } from './signaling-harness.ts';
import type { Started } from './signaling-harness.ts';

const FAST = { initialMs: 10, maxMs: 40, factor: 2, jitter: 0.5 };

// Sockets built while the gate is shut go to a closed port, so the client keeps retrying until
// the test opens the gate: what happens "while it is away" is then up to the test, not a timer.
const gate = { open: true, built: 0 };
class GatedWebSocket extends WebSocket {
  constructor(url: string) {
    super(gate.open ? url : 'ws://127.0.0.1:1/signal');
    gate.built++;
  }
}
const Ws = GatedWebSocket as unknown as WebSocketConstructor;

type Log = Array<[keyof SignalingEvents, unknown]>;

function client(options: Omit<SignalingClientOptions, 'WebSocket'>): { c: SignalingClient; log: Log } {
  const c = new SignalingClient({ WebSocket: Ws, backoff: FAST, pingIntervalMs: 0, ...options });
  const log: Log = [];
  for (const type of ['welcome', 'peer-joined', 'peer-left', 'peer-announced', 'signal', 'error', 'closed'] as const) {
    c.on(type, (v) => log.push([type, v]));
  }
  return { c, log };
}

const count = (log: Log, type: keyof SignalingEvents) => log.filter(([t]) => t === type).length;

const s = suite<{ s: Started }>('SignalingClient');
s.before(async (ctx) => {
  ctx.s = await startServer({ resumeGraceMs: 60_000 });
});
s.after(async (ctx) => ctx.s.server.close());
s.before.each(() => {
  gate.open = true;
});

s('joins, sees peers come and go, and relays signals and announcements', async ({ s }) => {
  const room = newRoom();
  const a = client({ url: s.url, room });
  await until(() => a.c.state === 'joined');
  assert.is(a.c.ip, '10.0.2.2');
  const b = client({ url: s.url, room });
  await until(() => b.c.state === 'joined' && a.c.peers.size === 1);
  assert.equal(a.log.at(-1), ['peer-joined', { peerId: b.c.peerId, ip: '10.0.2.3', mac: null, kind: 'vm' }]);
  assert.ok(b.c.signal(a.c.peerId!, { type: 'offer', sdp: 'v=0' }));
  await until(() => count(a.log, 'signal') === 1);
  assert.equal(a.log.at(-1), ['signal', { from: b.c.peerId, data: { type: 'offer', sdp: 'v=0' } }]);
  b.c.announce('02:00:00:00:00:0b');
  await until(() => count(a.log, 'peer-announced') === 1);
  assert.is(a.c.peers.get(b.c.peerId!)?.mac, '02:00:00:00:00:0b');
  b.c.close();
  assert.is(b.c.state, 'closed');
  assert.not.ok(b.c.signal(a.c.peerId!, {}), 'no signal after close');
  await until(() => count(a.log, 'peer-left') === 1);
  assert.equal(a.log.at(-1), ['peer-left', { peerId: b.c.peerId }]);
  a.c.close();
});

s('after a server-side drop it reconnects and resumes: same peer id, same ip, the room sees nothing', async ({ s }) => {
  const room = newRoom();
  const a = client({ url: s.url, room });
  await until(() => a.c.state === 'joined');
  a.c.announce('02:00:00:00:00:0a');
  const other = await joinRoom(s.url, room);
  const { peerId, ip } = a.c;
  const reconnects: number[] = [];
  a.c.on('reconnecting', (r) => reconnects.push(r.attempt));
  assert.ok(s.server.terminatePeer(room, peerId!));
  await until(() => count(a.log, 'welcome') === 2);
  const welcome = a.log.filter(([t]) => t === 'welcome')[1][1] as SignalingEvents['welcome'];
  assert.is(welcome.resumed, true);
  assert.is(a.c.peerId, peerId);
  assert.is(a.c.ip, ip);
  assert.equal(reconnects, [0]);
  assert.equal(await other.c.sync(), [], 'no peer-left, no peer-joined, no re-announce of an unchanged MAC');
  a.c.close();
  other.c.close();
});

s('changes made while it was away arrive as ordinary events after the resume', async ({ s }) => {
  const room = newRoom();
  const a = client({ url: s.url, room });
  await until(() => a.c.state === 'joined');
  const b = await joinRoom(s.url, room);
  await until(() => a.c.peers.size === 1);
  gate.open = false;
  const built = gate.built;
  s.server.terminatePeer(room, a.c.peerId!);
  await until(() => gate.built >= built + 2 && a.c.state === 'reconnecting');
  b.c.close(1000);
  await until(() => s.server.gauges().peers === 0);
  const c = await joinRoom(s.url, room);
  c.c.send({ type: 'signal', to: a.c.peerId, data: { held: true } });
  await c.c.sync();
  gate.open = true;
  await until(() => count(a.log, 'welcome') === 2 && count(a.log, 'signal') === 1);
  const lastWelcome = a.log.map(([t]) => t).lastIndexOf('welcome');
  const tail = a.log.slice(lastWelcome + 1);
  assert.equal(tail, [
    ['peer-left', { peerId: b.welcome.peerId }],
    ['peer-joined', { peerId: c.welcome.peerId, ip: c.welcome.ip, mac: null, kind: 'vm' }],
    ['signal', { from: c.welcome.peerId, data: { held: true } }],
  ]);
  a.c.close();
  c.c.close();
});

s('a new client given an old peer id and token takes it over; the old one stops with ERR_REPLACED', async ({ s }) => {
  const room = newRoom();
  const a = client({ url: s.url, room });
  await until(() => a.c.state === 'joined');
  const b = client({ url: s.url, room, peerId: a.c.peerId, resumeToken: a.c.resumeToken });
  await until(() => b.c.state === 'joined' && a.c.state === 'closed');
  assert.is(b.c.ip, a.c.ip);
  assert.equal(a.log.at(-1), ['closed', { code: 'ERR_REPLACED', message: 'this peer was resumed on another connection' }]);
  b.c.close();
});

s('a refused join that retrying cannot fix stops the client at once', async ({ s }) => {
  const room = newRoom();
  const gw = await joinRoom(s.url, room, { kind: 'gateway' });
  const built = gate.built;
  const a = client({ url: s.url, room, kind: 'gateway' });
  await until(() => a.c.state === 'closed');
  assert.equal(a.log, [
    ['error', { code: 'ERR_GATEWAY_PRESENT', message: 'room already has a gateway' }],
    ['closed', { code: 'ERR_GATEWAY_PRESENT', message: 'room already has a gateway' }],
  ]);
  assert.is(gate.built, built + 1, 'one socket, no retry');
  gw.c.close();
});

s('a stale resume token makes it start over as a new peer instead of giving up', async ({ s }) => {
  const room = newRoom();
  const holder = await joinRoom(s.url, room);
  const a = client({ url: s.url, room, peerId: holder.welcome.peerId, resumeToken: 'A'.repeat(32) });
  await until(() => a.c.state === 'joined');
  assert.is.not(a.c.peerId, holder.welcome.peerId);
  assert.is(a.c.ip, '10.0.2.3');
  assert.equal(a.log[0], ['error', { code: 'ERR_PEER_ID_TAKEN', message: 'peerId is in use; resume needs its current resumeToken' }]);
  a.c.close();
  holder.c.close();
});

s('misuse throws at once with a code', () => {
  const codeOf = (options: SignalingClientOptions): string | undefined => {
    try {
      new SignalingClient(options);
    } catch (err) {
      return (err as { code?: string }).code;
    }
    return undefined;
  };
  assert.is(codeOf({ WebSocket: Ws, url: 'http://127.0.0.1/signal', room: newRoom() }), 'ERR_BAD_URL');
  assert.is(codeOf({ WebSocket: Ws, url: 'ws://127.0.0.1/signal', room: 'short' }), 'ERR_BAD_ROOM');
});

s.run();

const restart = suite('SignalingClient: server restart');

restart('it keeps retrying while the server is down and joins the new server afresh with its old peer id', async () => {
  const first = await startServer();
  const port = first.port;
  const room = newRoom();
  const a = client({ url: first.url, room });
  await until(() => a.c.state === 'joined');
  const peerId = a.c.peerId;
  await first.server.close();
  await until(() => a.c.state === 'reconnecting');
  const second = await startServer({}, port);
  await until(() => count(a.log, 'welcome') === 2);
  const welcome = a.log.filter(([t]) => t === 'welcome')[1][1] as SignalingEvents['welcome'];
  assert.is(welcome.resumed, false, 'the new server never saw this peer');
  assert.is(a.c.peerId, peerId);
  assert.is(a.c.state, 'joined');
  a.c.close();
  await second.server.close();
});

restart.run();
