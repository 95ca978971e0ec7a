// PeerLink channel modes under real packet loss (root only): a `reliable` and an `unordered` pair in
// a namespace this test makes, with nftables dropping UDP (DTLS carrying SCTP) at random.
//
// The drop is on the INPUT hook, at the receiver. Dropped on OUTPUT instead, the sender's sendto()
// fails with EPERM, so libdatachannel's SCTP knows the packet never left and sends it again as if
// for the first time: an `unordered` (maxRetransmits 0) channel then loses nothing, which is what
// made bench:lan --wire-loss show no difference between the modes.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { canUseNetns, JsonLines, NetnsLab } from './netns/netns.ts';

const CHILD = ['--import', 'tsx', 'test/netns/channel-loss-child.ts'];
const TABLE = 'plchannelloss';
const FRAMES = 500;
const LOSS_PERCENT = 30;

type Channel = { ordered: boolean; maxRetransmits: number | null; maxPacketLifeTime: number | null };
type Line = {
  event: string;
  channels?: Record<string, Channel>;
  dropped?: Record<string, unknown>;
  received?: Record<string, { ab: number[]; ba: number[] }>;
};

const lab = new NetnsLab();
let ns = '';

function setLoss(percent: number): void {
  lab.exec(ns, 'nft', ['flush', 'chain', 'inet', TABLE, 'in']);
  if (percent > 0) lab.exec(ns, 'nft', ['add', 'rule', 'inet', TABLE, 'in', 'meta', 'l4proto', 'udp', 'numgen', 'random', 'mod', '100', '<', String(percent), 'counter', 'drop']);
}

function droppedDatagrams(): number {
  return Number(/counter packets (\d+)/.exec(lab.exec(ns, 'nft', ['list', 'chain', 'inet', TABLE, 'in']))?.[1] ?? 0);
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

const modes = suite('PeerLink channel modes with 30% of UDP dropped');

modes.before(() => {
  if (!canUseNetns()) return;
  ns = lab.add('loss');
  // Both ends in this namespace: node-datachannel gathers no loopback candidates, so the peers
  // meet on a veth address (their datagrams then cross `lo`, and its input hook, once each).
  const [a, b] = lab.veth(ns, ns, 'l');
  lab.exec(ns, 'ip', ['addr', 'add', '198.18.0.1/32', 'dev', a]);
  lab.exec(ns, 'ip', ['link', 'set', a, 'up']);
  lab.exec(ns, 'ip', ['link', 'set', b, 'up']);
  lab.exec(ns, 'nft', ['add', 'table', 'inet', TABLE]);
  lab.exec(ns, 'nft', ['add', 'chain', 'inet', TABLE, 'in', '{ type filter hook input priority 0; }']);
});

modes.after(() => lab.cleanup());

modes('reliable delivers every frame in order, unordered loses some; both ends of both modes', async () => {
  if (!canUseNetns()) return;
  const child = new JsonLines<Line>(lab.spawn(ns, process.execPath, CHILD));
  const open = await child.wait((l) => l.event === 'open');
  // What simple-peer handed to createDataChannel on the initiator, through the polyfill.
  assert.equal(open.channels, {
    reliable: { ordered: true, maxRetransmits: null, maxPacketLifeTime: null },
    unordered: { ordered: false, maxRetransmits: 0, maxPacketLifeTime: null },
  });

  setLoss(LOSS_PERCENT);
  child.send({ cmd: 'send', count: FRAMES });
  const sent = await child.wait((l) => l.event === 'sent');
  const drops = droppedDatagrams();
  setLoss(0);
  // Nothing dropped above the channel: every loss below is SCTP's doing.
  assert.equal(sent.dropped, { reliable: [{}, {}], unordered: [{}, {}] });
  assert.ok(drops > 0, 'nftables dropped datagrams');

  child.send({ cmd: 'drain' });
  const { received } = await child.wait((l) => l.event === 'received');
  assert.equal(received!.reliable, { ab: range(FRAMES), ba: range(FRAMES) });
  for (const direction of ['ab', 'ba'] as const) {
    const got = received!.unordered[direction];
    // Lost frames stay lost (no retransmits), each at most once, nothing invented.
    assert.ok(got.length > 0 && got.length < FRAMES, `unordered ${direction}: ${got.length} of ${FRAMES} arrived`);
    assert.is(new Set(got).size, got.length);
    assert.ok(got.every((n) => Number.isInteger(n) && n >= 0 && n < FRAMES));
  }
  child.child.stdin!.end();
});

modes.run();
