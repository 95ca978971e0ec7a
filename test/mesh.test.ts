// Mesh over real WebRTC (node-datachannel): meshes in one process, their signals relayed by an
// in-memory bus the test can hold back, reorder or cut.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { JsonObject } from '../src/net/signal-protocol.ts';
import type { MeshOptions } from '../src/p2p/mesh.ts';
import { isInitiator, Mesh } from '../src/p2p/mesh.ts';
import { nodeWrtc } from '../src/p2p/node-webrtc.ts';
import { linkError } from '../src/p2p/peer-link.ts';
import { until } from './signaling-harness.ts';
import { createTestInterface, type TestInterface } from './support/webrtc-net.ts';

interface Sent {
  from: string;
  to: string;
  data: JsonObject;
}

/** Meshes joined by a signal bus; `hold` keeps signals back instead of delivering them. */
class Bus {
  readonly meshes = new Map<string, Mesh>();
  readonly log: Sent[] = [];
  readonly held: Sent[] = [];
  hold: ((s: Sent) => boolean) | null = null;

  /** A and B on this bus, each told of the other (A, the smaller id, offers). */
  pair(extraA: Partial<MeshOptions> = {}): [Mesh, Mesh] {
    const a = this.add(A, extraA);
    const b = this.add(B);
    a.addPeer(B);
    b.addPeer(A);
    return [a, b];
  }

  add(id: string, extra: Partial<MeshOptions> = {}): Mesh {
    const mesh = new Mesh({
      selfId: id,
      wrtc: nodeWrtc,
      rttIntervalMs: 0,
      backoff: { initialMs: 50, jitter: 0 },
      sendSignal: (to, data) => {
        const s = { from: id, to, data };
        this.log.push(s);
        if (this.hold?.(s)) this.held.push(s);
        else queueMicrotask(() => this.deliver(s));
        return true;
      },
      ...extra,
    });
    this.meshes.set(id, mesh);
    return mesh;
  }

  deliver(s: Sent): void {
    this.meshes.get(s.to)?.handleSignal(s.from, s.data);
  }

  close(): void {
    for (const m of this.meshes.values()) m.close();
  }
}

const A = 'aaaaaaaa01';
const B = 'bbbbbbbb02';
const C = 'cccccccc03';

/** A's link to B and B's link to A are both open. */
const bothOpen = (a: Mesh, b: Mesh) => a.member(B)?.state === 'open' && b.member(A)?.state === 'open';

function frame(dst: number, src: number, fill: number, size = 100): Uint8Array {
  const f = new Uint8Array(size).fill(fill);
  f.set([2, 0, 0, 0, 0, dst], 0);
  f.set([2, 0, 0, 0, 0, src], 6);
  return f;
}

let net: TestInterface;
const setup = suite('test interface');
setup('is created', () => {
  net = createTestInterface();
});
setup.run();

const initiator = suite('isInitiator');
initiator('the smaller peer id offers, exactly one side of each pair', () => {
  const table: Array<[string, string, boolean]> = [
    [A, B, true],
    [B, A, false],
    ['Zzzzzzzz', 'aaaaaaaa', true], // plain code-unit order: upper case sorts first
    ['abcdefgh1', 'abcdefgh', false],
  ];
  for (const [x, y, want] of table) {
    assert.is(isInitiator(x, y), want, `${x} vs ${y}`);
    assert.is(isInitiator(y, x), !want);
  }
});
initiator.run();

const links = suite('Mesh.addPeer');

links('links three members pairwise; only the smaller id of each pair offers', async () => {
  const bus = new Bus();
  const ids = [C, A, B];
  const meshes = ids.map((id) => bus.add(id));
  for (const m of meshes) for (const id of ids) m.addPeer(id);
  await until(() => meshes.every((m) => m.status().length === 2 && m.status().every((s) => s.state === 'open')), 20000);
  // Who offered to whom; a retried link (a slow connect on a loaded machine) offers again, in the
  // same direction, so compare the distinct directions.
  const pairs = (type: string) =>
    [...new Set(bus.log.filter((s) => (s.data.signal as JsonObject | undefined)?.type === type).map((s) => `${s.from}>${s.to}`))].sort();
  assert.equal(pairs('offer'), [`${A}>${B}`, `${A}>${C}`, `${B}>${C}`]);
  assert.equal(pairs('answer'), [`${B}>${A}`, `${C}>${A}`, `${C}>${B}`]);
  assert.equal(meshes.map((m) => m.status().filter((s) => s.state === 'open').length), [2, 2, 2]);
  bus.close();
});

const frames = suite('Mesh.sendFrame');

frames('delivers frames byte-identical with the sender id; unknown members are counted', async () => {
  const bus = new Bus();
  const [a, b] = bus.pair();
  const atB: Array<{ peerId: string; frame: Uint8Array }> = [];
  b.on('frame', (e) => atB.push(e));
  await until(() => bothOpen(a, b), 15000);
  const sent = [frame(2, 1, 0xaa, 60), frame(2, 1, 0x55, 1514)];
  for (const f of sent) assert.is(a.sendFrame(B, f), true);
  await until(() => atB.length === 2);
  assert.equal(atB.map((e) => e.peerId), [A, A]);
  assert.equal(atB.map((e) => Array.from(e.frame)), sent.map((f) => Array.from(f)));
  assert.is(a.member(B)!.counters.framesOut, 2);
  assert.is(b.member(A)!.counters.framesIn, 2);
  assert.is(a.sendFrame(C, sent[0]), false);
  assert.is(a.counters.framesToUnknown, 1);
  bus.close();
});

const signals = suite('Mesh.handleSignal');

signals('the answerer makes its link on the first signal, even a candidate before the offer', async () => {
  const bus = new Bus();
  const a = bus.add(A);
  const b = bus.add(B);
  bus.hold = (s) => s.from === A;
  a.addPeer(B);
  b.addPeer(A);
  assert.is(b.member(A)!.state, 'waiting');
  assert.is(b.link(A), null);
  await until(() => bus.held.some((s) => (s.data.signal as JsonObject).type === 'offer') && bus.held.some((s) => 'candidate' in (s.data.signal as JsonObject)));
  bus.hold = null;
  const held = bus.held.splice(0);
  const candidates = held.filter((s) => (s.data.signal as JsonObject).type !== 'offer');
  const offer = held.filter((s) => (s.data.signal as JsonObject).type === 'offer');
  bus.deliver(candidates[0]);
  assert.is(b.member(A)!.state, 'connecting');
  assert.ok(b.link(A));
  for (const s of [...candidates.slice(1), ...offer]) bus.deliver(s);
  await until(() => bothOpen(a, b), 15000);
  bus.close();
});

signals('counts bad and stale signal data and drops it', () => {
  const bus = new Bus();
  const [a, b] = bus.pair();
  b.handleSignal(C, { session: 'x', signal: {} });
  b.handleSignal(A, { session: 5 } as unknown as JsonObject);
  b.handleSignal(A, { session: '' });
  b.handleSignal(A, { session: 'x'.repeat(33), signal: {} });
  b.handleSignal(A, { session: 'x' });
  b.handleSignal(A, { session: 'x', signal: [1] });
  a.handleSignal(B, { session: 'not-mine', signal: { type: 'answer', sdp: '' } });
  a.handleSignal(B, { session: 'not-mine', bye: true });
  b.handleSignal(A, { session: 'x', bye: true });
  assert.equal(b.counters, { linksOpened: 0, linksFailed: 0, badSignals: 5, staleSignals: 2, framesToUnknown: 0 });
  assert.is(a.counters.staleSignals, 2);
  assert.is(b.link(A), null);
  bus.close();
});

const retry = suite('Mesh retries');

retry('the initiator retries a timed-out link with a new session and connects', async () => {
  const bus = new Bus();
  // Long enough for a real connect (node-datachannel's DTLS alone can take ~1 s, more on a loaded
  // machine), so only the first attempt, whose signals are all lost, times out.
  const a = bus.add(A, { link: { connectTimeoutMs: 6000 } });
  const b = bus.add(B);
  const states: string[] = [];
  a.on('state', (e) => states.push(e.state));
  let firstSession: unknown;
  bus.hold = (s) => {
    firstSession ??= s.data.session;
    return s.data.session === firstSession; // lose every signal of the first attempt
  };
  a.addPeer(B);
  b.addPeer(A);
  await until(() => bothOpen(a, b), 40000);
  assert.equal(states, ['connecting', 'retrying', 'connecting', 'open']);
  assert.is(a.counters.linksFailed, 1);
  assert.is(a.member(B)!.failures, 0);
  const sessions = new Set(bus.log.filter((s) => s.from === A).map((s) => s.data.session));
  assert.is(sessions.size, 2);
  bus.close();
});

retry('an answerer whose link fails says bye, and the initiator starts over', async () => {
  const bus = new Bus();
  const [a, b] = bus.pair();
  await until(() => bothOpen(a, b), 15000);
  const before = bus.log.length;
  b.link(A)!.destroy(linkError('ERR_TEST', 'made to fail'));
  await until(() => a.counters.linksOpened === 2 && b.member(A)?.state === 'open', 15000);
  assert.ok(bus.log.slice(before).some((s) => s.from === B && s.data.bye === true));
  assert.is(b.counters.linksFailed, 1);
  assert.ok(a.counters.linksFailed >= 1);
  bus.close();
});

retry('a late signal for an attempt that failed is counted as stale, not fed to a dead link', async () => {
  const bus = new Bus();
  const [a, b] = bus.pair({ backoff: { initialMs: 60_000, jitter: 0 } });
  await until(() => bothOpen(a, b), 40000);
  const session = bus.log.find((s) => s.from === B && typeof s.data.session === 'string')!.data.session as string;
  a.link(B)!.destroy(linkError('ERR_TEST', 'made to fail'));
  await until(() => a.member(B)?.state === 'retrying', 5000);
  const before = a.counters.staleSignals;
  // What a candidate still in flight from the other side looks like when it lands now.
  a.handleSignal(B, { session, signal: { type: 'candidate', candidate: { candidate: 'candidate:1 1 udp 1 198.18.0.1 9 typ host', sdpMid: '0' } } });
  assert.is(a.counters.staleSignals, before + 1);
  assert.is(a.member(B)!.state, 'retrying');
  bus.close();
});

const remove = suite('Mesh.removePeer');

remove('closes the link of a member that left; the other side sees it close', async () => {
  const bus = new Bus();
  const [a, b] = bus.pair();
  await until(() => bothOpen(a, b), 15000);
  const link = a.link(B)!;
  const closedAtB: Array<string | null> = [];
  b.on('link-closed', (e) => closedAtB.push(e.code));
  assert.is(a.removePeer(B), true);
  assert.is(a.removePeer(B), false);
  assert.is(link.state, 'closed');
  assert.equal(a.status(), []);
  await until(() => closedAtB.length === 1);
  assert.equal(closedAtB, ['ERR_LINK_CLOSED']);
  bus.close();
});

const rtt = suite('Mesh RTT');

rtt('pings every open link and reports the round trip per member', async () => {
  const bus = new Bus();
  const a = bus.add(A, { rttIntervalMs: 50 });
  const b = bus.add(B);
  const seen: string[] = [];
  a.on('rtt', (e) => seen.push(e.peerId));
  a.addPeer(B);
  b.addPeer(A);
  await until(() => seen.length >= 3, 15000);
  assert.ok(seen.every((id) => id === B));
  assert.type(a.member(B)!.rttMs, 'number');
  assert.equal(b.member(A)!.counters.badIn, {});
  assert.is(b.member(A)!.counters.framesIn, 0);
  bus.close();
});

rtt.after(() => net.remove());
links.run();
frames.run();
signals.run();
retry.run();
remove.run();
rtt.run();
