// Loss below the data channel for bench:lan --wire-loss: UDP datagrams (which carry DTLS and
// SCTP) dropped at random by nftables, meant to make SCTP itself see the loss, so that a reliable
// channel retransmits while an unreliable one passes it on to the guests. Frame loss injected at the
// sender (PeerLink lossRate) is above SCTP and hits both modes alike, so it cannot tell them apart.
//
// Measured (2026-12-04): with 20% of UDP dropped, 300 frames each way on an `unordered` PeerLink
// pair in Node all arrived, as on a `reliable` one, and under 5% the guests behind `unordered`
// links (Node and Chromium) lost no pings and barely retransmitted.
//
// Why (2026-12-05): the drop chain below sits on the OUTPUT hook, and a datagram dropped there is a
// sendto() that fails with EPERM (strace: 168 EPERM for 168 drops), so the sender knows it never
// left. libdatachannel's SCTP then sends the data again in a new DTLS record (no failed record was
// ever resent as is): not a retransmission, so maxRetransmits 0 never gives it up. Nothing is wrong
// with the channel: simple-peer hands {ordered: false, maxRetransmits: 0} to createDataChannel, and
// Chromium, answering a node-datachannel offer, reports ordered false and maxRetransmits 0 (the
// node-datachannel polyfill's answerer reports the defaults whatever the channel is).
// The same rule on the INPUT hook (at the receiver, unseen by the sender) shows the modes apart,
// 500 frames each way on a PeerLink pair over UDP between two veth-address host candidates:
//   UDP dropped          0%        5%        20%       30%
//   reliable   output    500/500   500/500   500/500   500/500
//   unordered  output    500/500   500/500   500/500   500/500
//   reliable   input     500/500   500/500   500/500   500/500   (in order)
//   unordered  input     500/500   474/471   388/385   339/368
// Chromium hides part of an output drop: two RTCPeerConnections in one page, unordered, 500 each
// way: 5% 498/497, 20% 489/479, 30% 454/444 on output; 472/482, 398/402, 382/345 on input. So the
// output hook undercounts the loss of `unordered` (in Node, to none), and the chain below is on the
// input hook: each datagram crosses it once, at the receiver, and the sender never learns of the
// drop, as with loss on a real network. test/channel-mode.test.ts checks both modes that way.
//
// The bench re-runs itself in a network namespace of its own (`unshare -n`): the rules see only its
// own traffic and vanish with it; nothing is left on the host.
import { execFileSync, spawnSync } from 'node:child_process';

const IN_NETNS_ENV = 'PEERLINUX_LAN_NETNS';
const TABLE = 'pllanloss';

function nft(...args: string[]): void {
  execFileSync('nft', args, { stdio: 'ignore' });
}

/** Outside the namespace: runs this bench again inside a new one and returns its exit code; inside: null. */
export function runInPrivateNetns(): number | null {
  if (process.env[IN_NETNS_ENV] === '1') return null;
  const r = spawnSync('unshare', ['-n', process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, [IN_NETNS_ENV]: '1' },
  });
  return r.status ?? 1;
}

/** Inside the namespace: brings up `lo` and makes the (empty) drop chain on the input hook. */
export function initWireLoss(): void {
  execFileSync('ip', ['link', 'set', 'lo', 'up'], { stdio: 'ignore' });
  nft('add', 'table', 'inet', TABLE);
  nft('add', 'chain', 'inet', TABLE, 'in', '{ type filter hook input priority 0; }');
}

/** Drops `percent` of all UDP datagrams arriving at any socket in the namespace (each crosses input once). */
export function setWireLoss(percent: number): void {
  nft('flush', 'chain', 'inet', TABLE, 'in');
  if (percent > 0) nft('add', 'rule', 'inet', TABLE, 'in', 'meta', 'l4proto', 'udp', 'numgen', 'random', 'mod', '100', '<', String(percent), 'counter', 'drop');
}

/** UDP datagrams dropped since the last setWireLoss. */
export function wireDrops(): number {
  const out = execFileSync('nft', ['list', 'chain', 'inet', TABLE, 'in']).toString();
  return Number(/counter packets (\d+)/.exec(out)?.[1] ?? 0);
}
