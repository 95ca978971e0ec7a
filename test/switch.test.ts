import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EthernetSwitch, MAC_AGE_MS, type PortKind } from '../src/net/switch.ts';
import { macBytes } from '../src/net/mac.ts';

const MAC = {
  L: '02:00:00:00:00:01', // this node's VM
  T: '02:00:00:00:00:02', // a second local port (the gateway's tap, say)
  A: '02:00:00:00:00:0a', // behind peer A
  B: '02:00:00:00:00:0b', // behind peer B
  X: '02:00:00:00:00:99', // nowhere yet
  BCAST: 'ff:ff:ff:ff:ff:ff',
  MCAST: '01:00:5e:00:00:01',
};

function frame(dst: string, src: string, bytes = 60): Uint8Array {
  const f = new Uint8Array(bytes);
  f.set(macBytes(dst), 0);
  f.set(macBytes(src), 6);
  f[12] = 0x08;
  return f;
}

// A switch with ports L, T (local) and A, B (peer) that records who got which frame.
function rig(options: ConstructorParameters<typeof EthernetSwitch>[0] = {}) {
  const sw = new EthernetSwitch(options);
  const got: string[] = [];
  const ports: Array<[string, PortKind]> = [
    ['L', 'local'],
    ['T', 'local'],
    ['A', 'peer'],
    ['B', 'peer'],
  ];
  for (const [id, kind] of ports) sw.addPort(id, kind, () => got.push(id));
  const send = (port: string, f: Uint8Array) => {
    got.length = 0;
    sw.input(port, f);
    return [...got];
  };
  return { sw, send };
}

const forwarding = suite('EthernetSwitch: input');

// Steps run in order on one switch, so later rows see what earlier rows taught it.
const STEPS: Array<[string, string, Uint8Array, string[]]> = [
  ['broadcast from local floods to every other port', 'L', frame(MAC.BCAST, MAC.L), ['T', 'A', 'B']],
  ['broadcast from a peer goes to local ports only', 'A', frame(MAC.BCAST, MAC.A), ['L', 'T']],
  ['unicast to a learned MAC goes to its one port', 'L', frame(MAC.A, MAC.L), ['A']],
  ['unknown unicast from local floods', 'L', frame(MAC.B, MAC.L), ['T', 'A', 'B']],
  ['unicast from a peer to a local MAC', 'B', frame(MAC.L, MAC.B), ['L']],
  ['now B is learned too', 'L', frame(MAC.B, MAC.L), ['B']],
  ['peer to a MAC behind another peer is dropped (split horizon)', 'A', frame(MAC.B, MAC.A), []],
  ['unknown unicast from a peer floods to local ports only', 'A', frame(MAC.X, MAC.A), ['L', 'T']],
  ['never back out the input port', 'A', frame(MAC.A, MAC.A), []],
  ['multicast from a peer goes to local ports', 'A', frame(MAC.MCAST, MAC.A), ['L', 'T']],
  ['multicast from local floods', 'L', frame(MAC.MCAST, MAC.L), ['T', 'A', 'B']],
  ['multicast source is dropped', 'A', frame(MAC.L, MAC.MCAST), []],
  ['runt is dropped', 'L', new Uint8Array(13), []],
  ['local to local', 'T', frame(MAC.L, MAC.T), ['L']],
  ['a padded minimum frame and a jumbo frame switch alike', 'L', frame(MAC.T, MAC.L, 9018), ['T']],
];

forwarding('steps', () => {
  const { send } = rig();
  for (const [name, port, f, expected] of STEPS) assert.equal(send(port, f), expected, name);
});

forwarding('counts frames, bytes and drops per port', () => {
  const { sw, send } = rig();
  for (const [, port, f] of STEPS) send(port, f);
  assert.equal(sw.counters('L'), {
    framesIn: 7,
    bytesIn: 5 * 60 + 13 + 9018,
    framesOut: 5,
    bytesOut: 300,
    dropped: { runt: 1 },
  });
  assert.equal(sw.counters('T'), { framesIn: 1, bytesIn: 60, framesOut: 7, bytesOut: 6 * 60 + 9018, dropped: {} });
  assert.equal(sw.counters('A'), {
    framesIn: 6,
    bytesIn: 360,
    framesOut: 4,
    bytesOut: 240,
    dropped: { splitHorizon: 1, sameSegment: 1, multicastSource: 1 },
  });
  assert.equal(sw.counters('B'), { framesIn: 1, bytesIn: 60, framesOut: 4, bytesOut: 240, dropped: {} });
  assert.is(sw.counters('nope'), undefined);
});

forwarding('frames for a port that is gone are counted, not thrown', () => {
  const { sw } = rig();
  sw.input('gone', frame(MAC.BCAST, MAC.L));
  assert.is(sw.unknownPortFrames, 1);
});

forwarding('a send that throws is counted and the flood goes on', () => {
  const sw = new EthernetSwitch();
  const got: string[] = [];
  sw.addPort('L', 'local', () => got.push('L'));
  sw.addPort('A', 'peer', () => {
    throw new Error('channel closed');
  });
  sw.addPort('B', 'peer', () => got.push('B'));
  sw.input('L', frame(MAC.BCAST, MAC.L));
  assert.equal(got, ['B']);
  assert.equal(sw.counters('A')!.dropped, { sendError: 1 });
  assert.is(sw.counters('A')!.framesOut, 0);
});

const learning = suite('EthernetSwitch: learn / lookup / macTable');

learning('learns from source MACs, and moves a MAC that shows up elsewhere', () => {
  const { sw, send } = rig();
  send('A', frame(MAC.BCAST, MAC.A));
  assert.is(sw.lookup(MAC.A), 'A');
  send('B', frame(MAC.BCAST, MAC.A));
  assert.is(sw.lookup(MAC.A), 'B');
  assert.equal(send('L', frame(MAC.A, MAC.L)), ['B']);
});

learning('explicit learn (signaling announce) routes before any frame', () => {
  const { sw, send } = rig();
  sw.learn(MAC.X.toUpperCase(), 'B');
  assert.is(sw.lookup(MAC.X), 'B');
  assert.equal(send('L', frame(MAC.X, MAC.L)), ['B']);
});

learning('misuse throws with a code', () => {
  const { sw } = rig();
  const codeOf = (f: () => void) => {
    try {
      f();
    } catch (err) {
      return (err as { code?: string }).code;
    }
    return 'no throw';
  };
  assert.is(codeOf(() => sw.learn(MAC.X, 'nope')), 'ERR_NO_PORT');
  assert.is(codeOf(() => sw.learn(MAC.MCAST, 'A')), 'ERR_BAD_ADDRESS');
  assert.is(codeOf(() => sw.learn('bad', 'A')), 'ERR_BAD_ADDRESS');
  assert.is(codeOf(() => sw.addPort('A', 'peer', () => {})), 'ERR_PORT_EXISTS');
  assert.is(codeOf(() => sw.setEgressFilter('nope', null)), 'ERR_NO_PORT');
});

learning('macTable lists live entries with their age', () => {
  let t = 1000;
  const { sw, send } = rig({ now: () => t });
  send('A', frame(MAC.BCAST, MAC.A));
  t += 250;
  send('L', frame(MAC.BCAST, MAC.L));
  assert.equal(sw.macTable(), [
    { mac: MAC.A, portId: 'A', ageMs: 250 },
    { mac: MAC.L, portId: 'L', ageMs: 0 },
  ]);
});

const aging = suite('EthernetSwitch: aging');

aging('an entry lives MAC_AGE_MS, then unicast to it floods again', () => {
  let t = 0;
  const { sw, send } = rig({ now: () => t });
  send('A', frame(MAC.BCAST, MAC.A));
  t = MAC_AGE_MS;
  assert.equal(send('L', frame(MAC.A, MAC.L)), ['A']);
  t = MAC_AGE_MS + 1;
  assert.is(sw.lookup(MAC.A), undefined);
  assert.equal(send('L', frame(MAC.A, MAC.L)), ['T', 'A', 'B']);
  assert.equal(sw.macTable().map((e) => e.mac), [MAC.L]);
});

aging('traffic from a MAC refreshes it', () => {
  let t = 0;
  const { sw, send } = rig({ now: () => t, macAgeMs: 100 });
  send('A', frame(MAC.BCAST, MAC.A));
  t = 90;
  send('A', frame(MAC.BCAST, MAC.A));
  t = 180;
  assert.is(sw.lookup(MAC.A), 'A');
  t = 191;
  assert.is(sw.lookup(MAC.A), undefined);
});

aging('a full table evicts expired entries first, then the oldest learned', () => {
  let t = 0;
  const { sw, send } = rig({ now: () => t, macAgeMs: 100, maxMacEntries: 2 });
  send('A', frame(MAC.BCAST, MAC.A)); // t=0
  t = 50;
  send('B', frame(MAC.BCAST, MAC.B)); // t=50
  t = 120; // A expired, B alive
  send('L', frame(MAC.BCAST, MAC.L));
  assert.equal(sw.macTable().map((e) => e.mac), [MAC.B, MAC.L]);
  t = 130; // nothing expired: B, learned first, goes
  send('T', frame(MAC.BCAST, MAC.T));
  assert.equal(sw.macTable().map((e) => e.mac), [MAC.L, MAC.T]);
});

const removal = suite('EthernetSwitch: addPort / removePort');

removal('removing a port forgets its MACs and stops sending to it', () => {
  const { sw, send } = rig();
  send('A', frame(MAC.BCAST, MAC.A));
  send('B', frame(MAC.BCAST, MAC.B));
  assert.is(sw.removePort('A'), true);
  assert.is(sw.removePort('A'), false);
  assert.is(sw.lookup(MAC.A), undefined);
  assert.is(sw.lookup(MAC.B), 'B');
  assert.equal(send('L', frame(MAC.A, MAC.L)), ['T', 'B']);
  assert.equal(sw.portIds(), [
    { id: 'L', kind: 'local' },
    { id: 'T', kind: 'local' },
    { id: 'B', kind: 'peer' },
  ]);
});

removal('a port id can be reused after removal, with fresh counters', () => {
  const { sw, send } = rig();
  send('A', frame(MAC.BCAST, MAC.A));
  sw.removePort('A');
  sw.addPort('A', 'peer', () => {});
  assert.equal(sw.counters('A'), { framesIn: 0, bytesIn: 0, framesOut: 0, bytesOut: 0, dropped: {} });
});

const filters = suite('EthernetSwitch: egress filters');

filters('a filter drops by reason on its port only', () => {
  const sw = new EthernetSwitch();
  const got: string[] = [];
  const spoofed = (f: Uint8Array) => (f[11] === 0x66 ? 'spoofedSource' : null);
  sw.addPort('L', 'local', () => got.push('L'));
  sw.addPort('G', 'peer', () => got.push('G'), spoofed);
  sw.addPort('B', 'peer', () => got.push('B'));
  sw.input('L', frame(MAC.BCAST, '02:00:00:00:00:66'));
  sw.input('L', frame(MAC.BCAST, MAC.L));
  assert.equal(got, ['B', 'G', 'B']);
  assert.equal(sw.counters('G')!.dropped, { spoofedSource: 1 });
  sw.setEgressFilter('G', null);
  sw.input('L', frame(MAC.BCAST, '02:00:00:00:00:66'));
  assert.equal(got.slice(3), ['G', 'B']);
});

forwarding.run();
learning.run();
aging.run();
removal.run();
filters.run();
