import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { PeerView, RoomNodeState } from '../src/p2p/room-node.ts';
import { describeLinkError, formatRtt, peerLinkLabel, summarizeNetwork } from '../src/ui/room-format.ts';

function peer(ip: string, link: PeerView['link'], lastError: string | null = null): PeerView {
  return { peerId: `peer-${ip}`, ip, mac: null, kind: 'vm', link, rttMs: null, framesIn: 0, framesOut: 0, bytesIn: 0, bytesOut: 0, dropped: 0, lastError };
}

function state(over: Partial<RoomNodeState>): RoomNodeState {
  return { signaling: 'joined', peerId: 'me', ip: '10.0.2.2', mac: '52:54:00:00:00:01', network: 'isolated', peers: [], ...over };
}

const describe = suite('describeLinkError');
describe('explains ICE failure and timeout in words; unknown codes are shown as they are', () => {
  assert.match(describeLinkError('ERR_ICE_CONNECTION_FAILURE'), /WebRTC could not connect/);
  assert.match(describeLinkError('ERR_CONNECT_TIMEOUT'), /WebRTC could not connect in time/);
  assert.is(describeLinkError('ERR_SOMETHING'), 'WebRTC failed (ERR_SOMETHING).');
});
describe.run();

const label = suite('peerLinkLabel');
const labels: [PeerView['link'], string | null, string, string][] = [
  ['open', null, 'connected', 'ok'],
  ['open', 'ERR_CONNECT_TIMEOUT', 'connected', 'ok'],
  ['connecting', null, 'connecting', 'pending'],
  ['connecting', 'ERR_CONNECT_TIMEOUT', 'cannot connect, trying again', 'error'],
  ['retrying', 'ERR_ICE_CONNECTION_FAILURE', 'cannot connect, retrying', 'error'],
  ['waiting', null, 'waiting', 'pending'],
  ['waiting', 'ERR_CONNECT_TIMEOUT', 'cannot connect, waiting for the other side', 'error'],
];
for (const [link, err, text, level] of labels) {
  label(`${link} after ${err ?? 'no error'}`, () => assert.equal(peerLinkLabel({ link, lastError: err }), { text, level }));
}
label.run();

const rtt = suite('formatRtt');
const rtts: [number | null, string][] = [
  [null, '–'],
  [0.55, '0.6 ms'],
  [9.94, '9.9 ms'],
  [12.4, '12 ms'],
];
for (const [ms, text] of rtts) rtt(`${ms} -> ${text}`, () => assert.is(formatRtt(ms), text));
rtt.run();

const summary = suite('summarizeNetwork');
summary('before the node exists', () => {
  const s = summarizeNetwork(null);
  assert.equal([s.signaling.text, s.peers.text, s.problem], ['signaling: not started', 'no peers', null]);
});
summary('alone in an isolated room', () => {
  const s = summarizeNetwork(state({}));
  assert.equal(
    [s.signaling, s.peers, s.reach, s.problem],
    [{ text: 'signaling: joined', level: 'ok' }, { text: 'alone in the room', level: 'ok' }, { text: 'isolated LAN (no gateway)', level: 'ok' }, null],
  );
});
summary('counts open links; one still connecting is pending', () => {
  const s = summarizeNetwork(state({ peers: [peer('10.0.2.3', 'open'), peer('10.0.2.4', 'connecting')], network: 'internet' }));
  assert.equal([s.peers, s.reach.text, s.problem], [{ text: '1 of 2 peers connected', level: 'pending' }, 'internet via gateway', null]);
});
summary('a failed WebRTC link is an error with a sentence naming the peer', () => {
  const s = summarizeNetwork(state({ peers: [peer('10.0.2.3', 'open'), peer('10.0.2.5', 'retrying', 'ERR_ICE_CONNECTION_FAILURE')] }));
  assert.is(s.peers.level, 'error');
  assert.is(s.problem, `Cannot reach peer 10.0.2.5: ${describeLinkError('ERR_ICE_CONNECTION_FAILURE')}`);
});
summary('several failed links are counted', () => {
  const s = summarizeNetwork(state({ peers: [peer('10.0.2.3', 'waiting', 'ERR_CONNECT_TIMEOUT'), peer('10.0.2.5', 'retrying', 'ERR_CONNECT_TIMEOUT')] }));
  assert.is(s.problem, `Cannot reach 2 peers: ${describeLinkError('ERR_CONNECT_TIMEOUT')}`);
});
summary('signaling closed for good shows its reason', () => {
  const s = summarizeNetwork(state({ signaling: 'closed' }), 'Signaling stopped (ERR_ROOM_FULL): full');
  assert.equal([s.signaling, s.problem], [{ text: 'signaling: disconnected', level: 'error' }, 'Signaling stopped (ERR_ROOM_FULL): full']);
});
summary('reconnecting is a warning', () => {
  assert.equal(summarizeNetwork(state({ signaling: 'reconnecting' })).signaling, { text: 'signaling: reconnecting', level: 'warn' });
});
summary.run();
