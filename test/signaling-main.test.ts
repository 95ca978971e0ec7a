// The `npm start` process itself: app files, /healthz and the signaling socket on one port, and a
// clean exit on SIGTERM.
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { joinRoom, newRoom } from './signaling-harness.ts';

interface Ctx {
  child: ChildProcessByStdio<null, Readable, null>;
  port: number;
  dist: string;
  lines: string[];
}

const main = suite<Ctx>('signaling/main.ts');

main.before(async (ctx) => {
  ctx.dist = mkdtempSync(join(tmpdir(), 'peerlinux-dist-'));
  writeFileSync(join(ctx.dist, 'index.html'), '<!doctype html><title>peerlinux</title>\n');
  ctx.lines = [];
  ctx.child = spawn(process.execPath, ['--import', 'tsx', 'signaling/main.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DIST_DIR: ctx.dist, SIGNALING_MTU: '9000' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  ctx.port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    ctx.child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
    ctx.child.stdout.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      const parts = buf.split('\n');
      buf = parts.pop()!;
      for (const line of parts) {
        ctx.lines.push(line);
        const event = JSON.parse(line);
        if (event.event === 'listening') resolve(event.port);
      }
    });
  });
});

main.after((ctx) => {
  if (ctx.child.exitCode === null) ctx.child.kill('SIGKILL');
  rmSync(ctx.dist, { recursive: true, force: true });
});

main('one port serves the app, /healthz and /signal; one log line per join; SIGTERM closes clients with 1001 and exits 0', async (ctx) => {
  const base = `http://127.0.0.1:${ctx.port}`;
  const page = await fetch(`${base}/`);
  assert.is(page.status, 200);
  assert.is(page.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.is(await page.text(), '<!doctype html><title>peerlinux</title>\n');
  assert.is((await fetch(`${base}/healthz`)).status, 200);
  const room = newRoom();
  const { c, welcome } = await joinRoom(`ws://127.0.0.1:${ctx.port}/signal`, room);
  assert.is(welcome.ip, '10.0.2.2');
  assert.is(welcome.mtu, 9000, 'SIGNALING_MTU reaches every welcome');
  const exited = new Promise<number | null>((resolve) => ctx.child.once('exit', (code) => resolve(code)));
  ctx.child.kill('SIGTERM');
  assert.is((await c.closed).code, 1001);
  assert.is(await exited, 0);
  const events = ctx.lines.map((l) => JSON.parse(l));
  const joins = events.filter((e) => e.event === 'join');
  assert.is(joins.length, 1);
  assert.equal([joins[0].peerId, joins[0].ip, joins[0].kind, joins[0].resumed], [welcome.peerId, '10.0.2.2', 'vm', false]);
  assert.match(joins[0].room, /^[0-9a-f]{12}$/);
  assert.not.ok(ctx.lines.some((l) => l.includes(room)), 'the room id itself is never logged');
  assert.equal(events.at(-1).event, 'stopped');
});

main.run();

const badEnv = suite('signaling/main.ts with a bad environment');

badEnv('a bad SIGNALING_MTU stops the server at start: exit 2, one bad-env line, the variable named on stderr', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'signaling/main.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', SIGNALING_MTU: '65535' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c));
  child.stderr.on('data', (c: Buffer) => (err += c));
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  assert.is(code, 2);
  assert.is(err, 'peerlinux server: SIGNALING_MTU: must be a whole number from 68 to 9000, not "65535"\n');
  const lines = out.trim().split('\n').map((l) => JSON.parse(l));
  assert.is(lines.length, 1);
  assert.equal([lines[0].event, lines[0].code, lines[0].variable], ['bad-env', 'ERR_BAD_ENV', 'SIGNALING_MTU']);
});

badEnv.run();
