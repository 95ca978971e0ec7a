import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeMessage, MAX_DATA_DEPTH, parseClientMessage, parseServerMessage } from '../src/net/signal-protocol.ts';

const ROOM = 'abcdefghijklmnop';
const PEER = 'peer0001';
const TOKEN = 'T'.repeat(32);

const client = suite('parseClientMessage');

// [input, expected message or error code]
const CLIENT_CASES: Array<[unknown, object | string]> = [
  [JSON.stringify({ type: 'join', room: ROOM, kind: 'vm' }), { type: 'join', room: ROOM, kind: 'vm' }],
  [JSON.stringify({ type: 'join', room: ROOM, kind: 'gateway', peerId: PEER }), { type: 'join', room: ROOM, kind: 'gateway', peerId: PEER }],
  [JSON.stringify({ type: 'join', room: ROOM, kind: 'vm', peerId: PEER, resume: TOKEN, x: 1 }), { type: 'join', room: ROOM, kind: 'vm', peerId: PEER, resume: TOKEN }],
  [JSON.stringify({ type: 'join', room: ROOM.slice(1), kind: 'vm' }), 'ERR_BAD_ROOM'],
  [JSON.stringify({ type: 'join', room: ROOM + '!', kind: 'vm' }), 'ERR_BAD_ROOM'],
  [JSON.stringify({ type: 'join', room: ROOM }), 'ERR_BAD_MESSAGE'],
  [JSON.stringify({ type: 'join', room: ROOM, kind: 'vm', resume: TOKEN }), 'ERR_BAD_MESSAGE'],
  [JSON.stringify({ type: 'join', room: ROOM, kind: 'vm', peerId: PEER, resume: TOKEN + 'x' }), 'ERR_BAD_MESSAGE'],
  [JSON.stringify({ type: 'signal', to: PEER, data: { sdp: 'v=0' }, from: 'forged00' }), { type: 'signal', to: PEER, data: { sdp: 'v=0' } }],
  [JSON.stringify({ type: 'signal', to: PEER, data: [1] }), 'ERR_BAD_MESSAGE'],
  [JSON.stringify({ type: 'signal', to: PEER, data: null }), 'ERR_BAD_MESSAGE'],
  [`{"type":"signal","to":"${PEER}","data":${'{"a":'.repeat(MAX_DATA_DEPTH - 1)}1${'}'.repeat(MAX_DATA_DEPTH - 1)}}`, 'ok'],
  [`{"type":"signal","to":"${PEER}","data":${'{"a":'.repeat(MAX_DATA_DEPTH)}{}${'}'.repeat(MAX_DATA_DEPTH)}}`, 'ERR_BAD_MESSAGE'],
  [JSON.stringify({ type: 'announce', mac: '02:AB:cd:00:00:01' }), { type: 'announce', mac: '02:ab:cd:00:00:01' }],
  [JSON.stringify({ type: 'announce', mac: '03:00:00:00:00:01' }), 'ERR_BAD_MAC'],
  [JSON.stringify({ type: 'announce', mac: 'ff:ff:ff:ff:ff:ff' }), 'ERR_BAD_MAC'],
  [JSON.stringify({ type: 'announce', mac: 'zz:00:00:00:00:01' }), 'ERR_BAD_MAC'],
  [JSON.stringify({ type: 'announce', mac: 2 }), 'ERR_BAD_MAC'],
  [JSON.stringify({ type: 'ping', extra: true }), { type: 'ping' }],
  [JSON.stringify({ type: 'pong' }), 'ERR_UNKNOWN_TYPE'],
  [JSON.stringify({ type: '__proto__' }), 'ERR_UNKNOWN_TYPE'],
  ['{"type":"ping"', 'ERR_BAD_JSON'],
  ['', 'ERR_BAD_JSON'],
  [new Uint8Array(3), 'ERR_BAD_JSON'],
  [undefined, 'ERR_BAD_JSON'],
  ['"ping"', 'ERR_BAD_MESSAGE'],
  ['[]', 'ERR_BAD_MESSAGE'],
  ['{}', 'ERR_BAD_MESSAGE'],
];

for (const [input, want] of CLIENT_CASES) {
  client(`${String(input).slice(0, 60)} -> ${typeof want === 'string' ? want : 'ok'}`, () => {
    const r = parseClientMessage(input);
    if (want === 'ok') return assert.ok(r.ok);
    if (typeof want === 'string') {
      assert.not.ok(r.ok);
      if (!r.ok) assert.is(r.code, want);
    } else {
      assert.equal(r, { ok: true, message: want });
    }
  });
}

client('never throws on 2000 random byte strings', () => {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
  for (let i = 0; i < 2000; i++) {
    const text = String.fromCharCode(...Array.from({ length: rnd() % 40 }, rnd));
    const r = parseClientMessage(i % 2 ? text : `{"type":"join","room":${text}}`);
    assert.type(r.ok, 'boolean');
  }
});

client.run();

const server = suite('parseServerMessage');

const WELCOME = {
  type: 'welcome', version: 1, peerId: PEER, ip: '10.0.2.2', kind: 'vm', resumeToken: TOKEN, resumed: false,
  peers: [{ peerId: 'gateway1', ip: '10.0.2.1', mac: '02:00:00:00:00:01', kind: 'gateway' }],
  iceServers: [{ urls: ['stun:127.0.0.1'], username: 'u', credential: 'c' }], mtu: 1500,
};

const SERVER_CASES: Array<[object | string, string]> = [
  [WELCOME, 'ok'],
  [{ ...WELCOME, version: 2 }, 'ERR_BAD_MESSAGE'],
  [{ ...WELCOME, ip: '10.0.2.255' }, 'ERR_BAD_MESSAGE'],
  [{ ...WELCOME, ip: '10.0.2.0' }, 'ERR_BAD_MESSAGE'],
  [{ ...WELCOME, ip: '10.0.2.02' }, 'ERR_BAD_MESSAGE'],
  [{ ...WELCOME, ip: '10.0.3.2' }, 'ERR_BAD_MESSAGE'],
  [{ ...WELCOME, mtu: 67 }, 'ERR_BAD_MESSAGE'],
  [{ ...WELCOME, peers: [{ peerId: PEER, ip: '10.0.2.3', kind: 'vm' }] }, 'ERR_BAD_MESSAGE'],
  [{ ...WELCOME, iceServers: [{ urls: 5 }] }, 'ERR_BAD_MESSAGE'],
  [{ type: 'peer-joined', peerId: PEER, ip: '10.0.2.9', mac: null, kind: 'vm' }, 'ok'],
  [{ type: 'peer-joined', peerId: PEER, ip: '10.0.2.9', mac: null, kind: 'router' }, 'ERR_BAD_MESSAGE'],
  [{ type: 'peer-left', peerId: PEER }, 'ok'],
  [{ type: 'peer-left' }, 'ERR_BAD_MESSAGE'],
  [{ type: 'peer-announced', peerId: PEER, mac: '02:00:00:00:00:02' }, 'ok'],
  [{ type: 'peer-announced', peerId: PEER, mac: '02:00:00:00:00' }, 'ERR_BAD_MESSAGE'],
  [{ type: 'signal', from: PEER, data: { candidate: {} } }, 'ok'],
  [{ type: 'signal', from: PEER, data: 'x' }, 'ERR_BAD_MESSAGE'],
  [{ type: 'pong' }, 'ok'],
  [{ type: 'error', code: 'ERR_ROOM_FULL', message: 'full' }, 'ok'],
  [{ type: 'error', code: 'ERR_MADE_UP', message: 'x' }, 'ERR_BAD_MESSAGE'],
  [{ type: 'ping' }, 'ERR_UNKNOWN_TYPE'],
  ['not json', 'ERR_BAD_JSON'],
];

for (const [input, want] of SERVER_CASES) {
  const text = typeof input === 'string' ? input : JSON.stringify(input);
  server(`${text.slice(0, 60)} -> ${want}`, () => {
    const r = parseServerMessage(text);
    if (want === 'ok') {
      assert.ok(r.ok);
      if (r.ok) assert.equal(r.message, typeof input === 'string' ? input : input);
    } else {
      assert.not.ok(r.ok);
      if (!r.ok) assert.is(r.code, want);
    }
  });
}

server.run();

const encode = suite('encodeMessage');

encode('round-trips through the matching parser', () => {
  const msg = { type: 'signal', to: PEER, data: { type: 'answer', sdp: 'v=0\r\n' } } as const;
  assert.equal(parseClientMessage(encodeMessage(msg)), { ok: true, message: msg });
  assert.equal(parseServerMessage(encodeMessage(WELCOME as never)), { ok: true, message: WELCOME });
});

encode.run();
