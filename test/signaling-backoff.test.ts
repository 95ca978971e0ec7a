import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { backoffDelayMs, DEFAULT_BACKOFF } from '../src/p2p/backoff.ts';
import { Emitter } from '../src/p2p/emitter.ts';

const delay = suite('backoffDelayMs');

// [attempt, random, expected ms] with the defaults (500 ms doubling to 15 s, jitter 0.5)
const CASES: Array<[number, number, number]> = [
  [0, 0, 500], [0, 0.999999, 250], [1, 0, 1000], [2, 0.5, 1500], [4, 0, 8000], [5, 0, 15000], [50, 0, 15000], [50, 0.5, 11250],
];
for (const [attempt, r, want] of CASES) {
  delay(`attempt ${attempt}, random ${r} -> ${want} ms`, () => assert.is(backoffDelayMs(attempt, DEFAULT_BACKOFF, () => r), want));
}
delay('jitter 0 gives the plain exponential', () => {
  assert.is(backoffDelayMs(3, { initialMs: 10, maxMs: 1000, factor: 3, jitter: 0 }, () => 0.7), 270);
});
delay.run();

const emitter = suite('Emitter');

class Probe extends Emitter<{ a: number; b: string }> {
  fire<K extends 'a' | 'b'>(type: K, v: { a: number; b: string }[K]): void {
    this.emit(type, v);
  }
}

emitter('delivers to each listener of a type, in order, until unsubscribed', () => {
  const p = new Probe();
  const got: string[] = [];
  const off = p.on('a', (v) => got.push(`1:${v}`));
  p.on('a', (v) => got.push(`2:${v}`));
  p.on('b', (v) => got.push(`b:${v}`));
  p.fire('a', 1);
  off();
  p.fire('a', 2);
  p.fire('b', 'x');
  assert.equal(got, ['1:1', '2:1', '2:2', 'b:x']);
});

emitter('a throwing listener does not stop the next one; its error surfaces on a microtask', async () => {
  const p = new Probe();
  const got: number[] = [];
  p.on('a', () => {
    throw new Error('listener bug');
  });
  p.on('a', (v) => got.push(v));
  const surfaced = new Promise<Error>((resolve) => process.once('uncaughtException', resolve));
  p.fire('a', 7);
  assert.equal(got, [7]);
  assert.is((await surfaced).message, 'listener bug');
});

emitter.run();
