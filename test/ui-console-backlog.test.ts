import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ConsoleBacklog } from '../src/ui/console-backlog.ts';

const bytesOf = (chunks: Uint8Array[]) => chunks.flatMap((c) => [...c]);

const push = suite('ConsoleBacklog.push');

push('keeps bytes while no sink is attached and replays them in order on attach', () => {
  const b = new ConsoleBacklog(100);
  b.push(Uint8Array.of(1, 2));
  b.push(Uint8Array.of(3));
  const got: Uint8Array[] = [];
  b.attach((x) => got.push(x));
  assert.equal(bytesOf(got), [1, 2, 3]);
  b.push(Uint8Array.of(4));
  assert.equal(bytesOf(got), [1, 2, 3, 4]);
});

push('keeps only the newest maxBytes and counts what it dropped', () => {
  const b = new ConsoleBacklog(4);
  b.push(Uint8Array.of(1, 2, 3));
  b.push(Uint8Array.of(4, 5, 6));
  b.push(Uint8Array.of(7));
  const got: Uint8Array[] = [];
  b.attach((x) => got.push(x));
  assert.equal(bytesOf(got), [4, 5, 6, 7]);
  assert.is(b.droppedBytes, 3);
});

push('trims inside a chunk larger than the cap', () => {
  const b = new ConsoleBacklog(2);
  b.push(Uint8Array.of(1, 2, 3, 4, 5));
  const got: Uint8Array[] = [];
  b.attach((x) => got.push(x));
  assert.equal(bytesOf(got), [4, 5]);
  assert.is(b.droppedBytes, 3);
});

const attach = suite('ConsoleBacklog.attach');

attach('the detach function stops delivery and later bytes are kept for the next sink', () => {
  const b = new ConsoleBacklog(10);
  const first: Uint8Array[] = [];
  const off = b.attach((x) => first.push(x));
  b.push(Uint8Array.of(1));
  off();
  b.push(Uint8Array.of(2));
  const second: Uint8Array[] = [];
  b.attach((x) => second.push(x));
  assert.equal(bytesOf(first), [1]);
  assert.equal(bytesOf(second), [2]);
});

attach('replays to one sink only once', () => {
  const b = new ConsoleBacklog(10);
  b.push(Uint8Array.of(9));
  const a: Uint8Array[] = [];
  const c: Uint8Array[] = [];
  b.attach((x) => a.push(x));
  b.attach((x) => c.push(x));
  assert.equal(bytesOf(a), [9]);
  assert.equal(bytesOf(c), []);
});

const clear = suite('ConsoleBacklog.clear');
clear('forgets kept bytes', () => {
  const b = new ConsoleBacklog(10);
  b.push(Uint8Array.of(1));
  b.clear();
  const got: Uint8Array[] = [];
  b.attach((x) => got.push(x));
  assert.equal(got, []);
});

push.run();
attach.run();
clear.run();
