// Per-peer token buckets with an injected clock.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PeerRateLimiter } from '../gateway/rate-limit.ts';

const allow = suite('PeerRateLimiter.allow');

allow('passes the burst, refuses the next, refills at the rate, per peer', () => {
  let now = 1000;
  const limiter = new PeerRateLimiter({ framesPerSecond: 100, burstFrames: 3, now: () => now });
  assert.equal([1, 2, 3, 4].map(() => limiter.allow('a')), [true, true, true, false]);
  assert.is(limiter.allow('b'), true, 'another peer has its own bucket');
  now += 10; // 100/s: one frame per 10 ms
  assert.equal([limiter.allow('a'), limiter.allow('a')], [true, false]);
  now += 1000; // refill caps at the burst
  assert.equal([1, 2, 3, 4].map(() => limiter.allow('a')), [true, true, true, false]);
  assert.is(limiter.limited, 3);
});

allow('the default burst is a quarter second of frames', () => {
  const limiter = new PeerRateLimiter({ framesPerSecond: 40, now: () => 0 });
  let passed = 0;
  while (limiter.allow('a')) passed++;
  assert.is(passed, 10);
});

allow('a clock going backwards adds nothing', () => {
  let now = 5000;
  const limiter = new PeerRateLimiter({ framesPerSecond: 10, burstFrames: 1, now: () => now });
  assert.is(limiter.allow('a'), true);
  now = 0;
  assert.is(limiter.allow('a'), false);
});
allow.run();

const remove = suite('PeerRateLimiter.remove');
remove('a removed peer starts again with a full bucket', () => {
  const limiter = new PeerRateLimiter({ framesPerSecond: 1, burstFrames: 1, now: () => 0 });
  assert.equal([limiter.allow('a'), limiter.allow('a')], [true, false]);
  limiter.remove('a');
  assert.is(limiter.allow('a'), true);
});
remove.run();

const ctor = suite('PeerRateLimiter constructor');
for (const opts of [{ framesPerSecond: 0 }, { framesPerSecond: -1 }, { framesPerSecond: Infinity }, { framesPerSecond: NaN }, { framesPerSecond: 10, burstFrames: 0.5 }]) {
  ctor(`rejects ${JSON.stringify(opts)} with ERR_BAD_RATE`, () => {
    assert.throws(() => new PeerRateLimiter(opts), (e: { code?: string }) => e.code === 'ERR_BAD_RATE');
  });
}
ctor.run();
