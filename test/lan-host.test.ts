import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createLanHost, type LanHostCounters } from './support/lan-host.ts';
import { EthernetSwitch } from '../src/net/switch.ts';
import { concat, hex, toHex } from './support/bytes.ts';

const HOST = { mac: '02:00:00:00:00:01', ip: '10.0.2.1' };
const GUEST_MAC = '525400123456';

// Frames as the guest would send them.
const ARP_REQUEST_FROM_GUEST = hex(`ffffffffffff ${GUEST_MAC} 0806  0001 0800 06 04 0001 ${GUEST_MAC} 0a00020f 000000000000 0a000201`);
const ARP_REPLY_TO_GUEST = hex(`${GUEST_MAC} 020000000001 0806  0001 0800 06 04 0002 020000000001 0a000201 ${GUEST_MAC} 0a00020f`);
const ECHO_REQUEST_FROM_GUEST = hex(`020000000001 ${GUEST_MAC} 0800  4500 0020 0000 0000 4001 62ce 0a00020f 0a000201  08 00 2104 1234 0001 61626364`);
const ECHO_REPLY_TO_GUEST = hex(`${GUEST_MAC} 020000000001 0800  4500 0020 0000 0000 4001 62ce 0a000201 0a00020f  00 00 2904 1234 0001 61626364`);
// The host's own ping of 10.0.2.15 (identifier 1, sequence 7, data "hi") and the guest's answers.
const HOST_ARP_REQUEST = hex(`ffffffffffff 020000000001 0806  0001 0800 06 04 0001 020000000001 0a000201 000000000000 0a00020f`);
const GUEST_ARP_REPLY = hex(`020000000001 ${GUEST_MAC} 0806  0001 0800 06 04 0002 ${GUEST_MAC} 0a00020f 020000000001 0a000201`);
const HOST_ECHO_REQUEST = hex(`${GUEST_MAC} 020000000001 0800  4500 001e 0000 0000 4001 62d0 0a000201 0a00020f  08 00 8f8e 0001 0007 6869`);
const GUEST_ECHO_REPLY = hex(`020000000001 ${GUEST_MAC} 0800  4500 001e 0000 0000 4001 62d0 0a00020f 0a000201  00 00 978e 0001 0007 6869`);

const zero = (): LanHostCounters => ({
  arpRequestsAnswered: 0,
  arpRequestsSent: 0,
  echoRequestsAnswered: 0,
  echoRequestsSent: 0,
  echoRepliesReceived: 0,
  ignored: 0,
  malformed: 0,
});

function rig() {
  const sent: string[] = [];
  const host = createLanHost({ ...HOST, send: (f) => sent.push(toHex(f)) });
  return { host, sent };
}

const receive = suite('createLanHost: receive');

receive('answers an ARP request for its address, byte for byte', () => {
  const { host, sent } = rig();
  host.receive(ARP_REQUEST_FROM_GUEST);
  assert.equal(sent, [toHex(ARP_REPLY_TO_GUEST)]);
  assert.is(host.arpTable.get('10.0.2.15'), '52:54:00:12:34:56');
  assert.equal(host.counters, { ...zero(), arpRequestsAnswered: 1 });
});

receive('answers an ARP request padded to 60 bytes the same way', () => {
  const { host, sent } = rig();
  host.receive(concat(ARP_REQUEST_FROM_GUEST, new Uint8Array(18)));
  assert.equal(sent, [toHex(ARP_REPLY_TO_GUEST)]);
});

receive('answers an echo request, byte for byte', () => {
  const { host, sent } = rig();
  host.receive(ECHO_REQUEST_FROM_GUEST);
  assert.equal(sent, [toHex(ECHO_REPLY_TO_GUEST)]);
  assert.equal(host.counters, { ...zero(), echoRequestsAnswered: 1 });
});

const other = ARP_REQUEST_FROM_GUEST.slice();
other[14 + 27] = 0x09; // asks for 10.0.2.9
const unicastElsewhere = ECHO_REQUEST_FROM_GUEST.slice();
unicastElsewhere[5] = 0x02;
const badIcmp = ECHO_REQUEST_FROM_GUEST.slice();
badIcmp[40] ^= 1;
const IGNORED: Array<[string, Uint8Array, Partial<LanHostCounters>]> = [
  ['ARP for another address', other, { ignored: 1 }],
  ['a frame for another MAC', unicastElsewhere, { ignored: 1 }],
  ['an IPv6 frame', hex(`ffffffffffff ${GUEST_MAC} 86dd 00`), { ignored: 1 }],
  ['a runt', hex('ffffff'), { malformed: 1 }],
  ['a truncated ARP', ARP_REQUEST_FROM_GUEST.subarray(0, 30), { malformed: 1 }],
  ['a bad ICMP checksum', badIcmp, { malformed: 1 }],
];
for (const [name, frame, counted] of IGNORED) {
  receive(`ignores ${name}`, () => {
    const { host, sent } = rig();
    host.receive(frame);
    assert.equal(sent, []);
    assert.equal(host.counters, { ...zero(), ...counted });
  });
}

const ping = suite('createLanHost: ping');

ping('resolves by ARP, then sends the echo, then records the reply', async () => {
  const { host, sent } = rig();
  host.ping('10.0.2.15', 7, new TextEncoder().encode('hi'));
  assert.equal(sent, [toHex(HOST_ARP_REQUEST)]);
  host.receive(GUEST_ARP_REPLY);
  assert.equal(sent, [toHex(HOST_ARP_REQUEST), toHex(HOST_ECHO_REQUEST)]);
  const waiting = host.nextEchoReply('10.0.2.15', 7);
  host.receive(GUEST_ECHO_REPLY);
  const reply = await waiting;
  assert.equal({ ...reply, data: toHex(reply.data) }, { from: '10.0.2.15', identifier: 1, sequence: 7, data: '6869' });
  assert.is(host.replies.length, 1);
  assert.equal(host.counters, { ...zero(), arpRequestsSent: 1, echoRequestsSent: 1, echoRepliesReceived: 1 });
  // Already received replies resolve at once.
  assert.is((await host.nextEchoReply('10.0.2.15', 7)).sequence, 7);
});

ping('asks ARP again on each ping until answered, then sends every queued echo', () => {
  const { host, sent } = rig();
  host.ping('10.0.2.15', 1);
  host.ping('10.0.2.15', 2);
  assert.equal(sent, [toHex(HOST_ARP_REQUEST), toHex(HOST_ARP_REQUEST)]);
  host.receive(GUEST_ARP_REPLY);
  assert.is(sent.length, 4);
  assert.is(host.counters.echoRequestsSent, 2);
  host.ping('10.0.2.15', 3);
  assert.is(sent.length, 5);
  assert.is(host.counters.arpRequestsSent, 2);
});

ping('two hosts ping each other through a switch', async () => {
  const sw = new EthernetSwitch();
  const a = createLanHost({ mac: '02:00:00:00:00:0a', ip: '10.0.2.10', send: (f) => sw.input('a', f) });
  const b = createLanHost({ mac: '02:00:00:00:00:0b', ip: '10.0.2.11', send: (f) => sw.input('b', f) });
  sw.addPort('a', 'local', (f) => a.receive(f));
  sw.addPort('b', 'peer', (f) => b.receive(f));
  a.ping('10.0.2.11', 1);
  b.ping('10.0.2.10', 2);
  assert.is((await a.nextEchoReply('10.0.2.11', 1)).sequence, 1);
  assert.is(toHex((await b.nextEchoReply('10.0.2.10', 2)).data), '000102030405060708090a0b0c0d0e0f');
  assert.equal(a.counters, { ...zero(), arpRequestsAnswered: 0, arpRequestsSent: 1, echoRequestsSent: 1, echoRepliesReceived: 1, echoRequestsAnswered: 1 });
  assert.is(b.arpTable.get('10.0.2.10'), '02:00:00:00:00:0a');
});

receive.run();
ping.run();
