import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LeasePool } from '../signaling/leases.ts';

const acquire = suite('LeasePool.acquire');

acquire('VMs get .2 to .254 once each, then nothing; the gateway gets .1 once', () => {
  const pool = new LeasePool();
  const got = Array.from({ length: 253 }, () => pool.acquire('vm'));
  assert.equal(got, Array.from({ length: 253 }, (_, i) => `10.0.2.${i + 2}`));
  assert.is(pool.acquire('vm'), undefined);
  assert.is(pool.acquire('gateway'), '10.0.2.1');
  assert.is(pool.acquire('gateway'), undefined);
  assert.is(pool.size, 254);
});

acquire('a released address comes back only after the rest of the range (round robin)', () => {
  const pool = new LeasePool();
  assert.is(pool.acquire('vm'), '10.0.2.2');
  assert.is(pool.acquire('vm'), '10.0.2.3');
  pool.release('10.0.2.2');
  assert.is(pool.acquire('vm'), '10.0.2.4');
  for (let host = 5; host <= 254; host++) assert.is(pool.acquire('vm'), `10.0.2.${host}`);
  assert.is(pool.acquire('vm'), '10.0.2.2', 'wraps to the freed address');
  assert.is(pool.acquire('vm'), undefined);
});

acquire.run();

const release = suite('LeasePool.release');

release('frees the gateway address and ignores addresses it never gave', () => {
  const pool = new LeasePool();
  pool.acquire('gateway');
  pool.release('192.168.0.1');
  assert.is(pool.size, 1);
  pool.release('10.0.2.1');
  assert.is(pool.size, 0);
  assert.is(pool.acquire('gateway'), '10.0.2.1');
});

release.run();
