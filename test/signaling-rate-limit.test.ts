import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TokenBucket } from '../signaling/rate-limit.ts';

const take = suite('TokenBucket.take');

take('allows a burst, then refills at the rate, never above the burst', () => {
  let t = 1000;
  const bucket = new TokenBucket(10, 3, () => t);
  assert.equal([bucket.take(), bucket.take(), bucket.take(), bucket.take()], [true, true, true, false]);
  t += 100; // one token at 10 per second
  assert.equal([bucket.take(), bucket.take()], [true, false]);
  t += 60_000;
  assert.equal([bucket.take(), bucket.take(), bucket.take(), bucket.take()], [true, true, true, false]);
});

take('a clock that steps back refills nothing', () => {
  let t = 5000;
  const bucket = new TokenBucket(10, 1, () => t);
  assert.ok(bucket.take());
  t = 0;
  assert.not.ok(bucket.take());
});

take.run();
