import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LinkPort } from '../src/ui/link-port.ts';
import { createFramePort } from '../src/vm/frame-port.ts';
import type { LinkKind } from '../src/vm/types.ts';

function guest() {
  const sent = { tty: [] as Uint8Array[], nic: [] as Uint8Array[] };
  const [tty, ttySink] = createFramePort((f) => (sent.tty.push(f), null));
  const [nic, nicSink] = createFramePort((f) => (sent.nic.push(f), null));
  return { source: { tty, nic }, sent, fromTty: (f: Uint8Array) => ttySink.deliver(f), fromNic: (f: Uint8Array) => nicSink.deliver(f) };
}

const f = (n: number) => new Uint8Array([n, n, n]);

const send = suite('LinkPort.send');
send('goes to the port of the current link, which is read per frame', () => {
  let link: LinkKind = 'tty';
  const g = guest();
  const port = new LinkPort(() => link);
  port.attach(g.source);
  port.send(f(1));
  link = 'nic';
  port.send(f(2));
  assert.equal(g.sent, { tty: [f(1)], nic: [f(2)] });
  assert.equal([port.counters.framesIn, port.counters.bytesIn], [2, 6]);
});
send('drops and counts with no guest and with link none', () => {
  let link: LinkKind = 'tty';
  const g = guest();
  const port = new LinkPort(() => link);
  port.send(f(1));
  port.attach(g.source);
  link = 'none';
  port.send(f(2));
  assert.equal(g.sent, { tty: [], nic: [] });
  assert.equal(port.counters.dropped, { noGuest: 1, noLink: 1 });
  assert.is(port.counters.framesIn, 0);
});
send.run();

const onFrame = suite('LinkPort.onFrame');
onFrame('delivers frames from the current link only; the other is dropped and counted', () => {
  let link: LinkKind = 'nic';
  const g = guest();
  const port = new LinkPort(() => link);
  port.attach(g.source);
  const got: Uint8Array[] = [];
  const off = port.onFrame((x) => got.push(x));
  g.fromNic(f(1));
  g.fromTty(f(2));
  link = 'tty';
  g.fromTty(f(3));
  off();
  g.fromTty(f(4));
  assert.equal(got, [f(1), f(3)]);
  assert.equal([port.counters.framesOut, port.counters.bytesOut], [3, 9]);
  assert.equal(port.counters.dropped, { otherLink: 1 });
});
onFrame.run();

const attach = suite('LinkPort.attach');
attach('a new source replaces the old one; undefined detaches', () => {
  const link: LinkKind = 'tty';
  const g1 = guest();
  const g2 = guest();
  const port = new LinkPort(() => link);
  const got: Uint8Array[] = [];
  port.onFrame((x) => got.push(x));
  port.attach(g1.source);
  port.attach(g2.source);
  g1.fromTty(f(1));
  g2.fromTty(f(2));
  port.send(f(3));
  port.attach(undefined);
  g2.fromTty(f(4));
  port.send(f(5));
  assert.equal(got, [f(2)]);
  assert.equal(g1.sent.tty, []);
  assert.equal(g2.sent.tty, [f(3)]);
  assert.equal(port.counters.dropped, { noGuest: 1 });
});
attach.run();
