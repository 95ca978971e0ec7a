// The server's environment: defaults, accepted values, and each bad value rejected with the
// variable's name and ERR_BAD_ENV.
import { resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readServerEnv, ServerEnvError } from '../signaling/env.ts';

const env = suite('signaling/env.ts readServerEnv');

env('defaults', () => {
  assert.equal(readServerEnv({}), { port: 8080, host: '0.0.0.0', distDir: resolve('dist'), log: true, resumeGraceMs: undefined, mtu: 1500 });
});

env('every variable set', () => {
  const got = readServerEnv({ PORT: '0', HOST: '127.0.0.1', DIST_DIR: '/srv/app', SIGNALING_LOG: '0', SIGNALING_GRACE_MS: '5000', SIGNALING_MTU: '9000' });
  assert.equal(got, { port: 0, host: '127.0.0.1', distDir: '/srv/app', log: false, resumeGraceMs: 5000, mtu: 9000 });
});

env('empty values take the defaults', () => {
  assert.equal(readServerEnv({ PORT: '', SIGNALING_MTU: '', SIGNALING_GRACE_MS: '' }).mtu, 1500);
  assert.is(readServerEnv({ PORT: '' }).port, 8080);
});

const BAD: [string, string][] = [
  ['PORT', '65536'],
  ['PORT', '-1'],
  ['PORT', '0x50'],
  ['PORT', ' 80'],
  ['SIGNALING_MTU', '67'],
  ['SIGNALING_MTU', '9001'],
  ['SIGNALING_MTU', 'jumbo'],
  ['SIGNALING_MTU', '1500.5'],
  ['SIGNALING_GRACE_MS', '0'],
  ['SIGNALING_GRACE_MS', '1e4'],
];
for (const [name, value] of BAD) {
  env(`${name}=${JSON.stringify(value)} is refused with ERR_BAD_ENV naming ${name}`, () => {
    try {
      readServerEnv({ [name]: value });
      assert.unreachable('accepted');
    } catch (err) {
      assert.instance(err, ServerEnvError);
      const e = err as ServerEnvError;
      assert.is(e.code, 'ERR_BAD_ENV');
      assert.is(e.variable, name);
      assert.ok(e.message.startsWith(`${name}: must be a whole number from `), e.message);
      assert.ok(e.message.endsWith(`not ${JSON.stringify(value)}`), e.message);
    }
  });
}

env.run();
