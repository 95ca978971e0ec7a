// The template snapshot: restored with this machine's settings, it becomes this machine.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Vm } from '../src/vm/types.ts';
import { bootGuest, ConsoleReader, loadTemplate, readManifest } from './support/guest.ts';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const MAC = '52:54:00:0a:0b:0c';

const manifest = suite('template snapshot in the manifest');

manifest('is listed with the v86 version that saved it, which is the one installed', () => {
  const m = readManifest();
  assert.ok(m.files.template, 'manifest lists a template');
  assert.is(m.v86, (require('v86/package.json') as { version: string }).version.split('+')[0]);
  assert.is(loadTemplate()!.byteLength, m.files.template!.size);
});

manifest.run();

const restored = suite<{ vm?: Vm; con?: ConsoleReader; before?: number }>('startVm from the template', {});

restored.before(async (ctx) => {
  ctx.before = Math.floor(Date.now() / 1000);
  ctx.vm = await bootGuest('nic', {
    snapshot: { kind: 'template', state: loadTemplate()! },
    mac: MAC,
    mtu: 1500,
    hostname: 'restored-1',
    consoleSize: { cols: 321, rows: 45 },
  });
  ctx.con = new ConsoleReader(ctx.vm);
  await ctx.vm.waitForPrompt();
});

restored.after(async (ctx) => {
  await ctx.vm?.destroy();
});

restored('shows the greeting first, then a prompt under the new hostname, never the template\'s', ({ con }) => {
  assert.ok(con!.text.startsWith('  peerlinux: a Linux machine in your browser tab'), JSON.stringify(con!.text.slice(0, 80)));
  assert.match(con!.text, /root@restored-1:\/root# /);
  assert.not.match(con!.text, 'root@peerlinux');
});

restored('took the settings line', async ({ vm, con }) => {
  assert.is(
    await con!.run('cat /run/peerlinux/env'),
    'link=nic\nmac=52:54:00:0a:0b:0c\nmtu=1500\nhostname=restored-1\ncols=321\nrows=45\nconfig=applied\n',
  );
  assert.is(await con!.run('hostname; stty size'), 'restored-1\n45 321\n');
  assert.is(await con!.run('cat /sys/class/net/eth0/address /sys/class/net/eth0/mtu'), `${MAC}\n1500\n`);
  assert.match(await con!.run('ps'), 'udhcpc -f -S -i eth0');
});

restored('has the host clock, not the clock of the day the template was made', async ({ vm, con, before }) => {
  const guestNow = Number(await con!.run('date +%s'));
  assert.ok(guestNow >= before! && guestNow < before! + 120, `guest clock ${guestNow}, host ${before}`);
});

restored.run();

const resume = suite('startVm resuming a saved machine');

resume('continues where it was saved, with its files', async () => {
  const vm = await bootGuest('none', { consoleSize: { cols: 400, rows: 50 } });
  const con = new ConsoleReader(vm);
  await vm.waitForPrompt();
  await con.run('echo remembered > /root/note');
  const state = await vm.saveState();
  await vm.destroy();
  const again = await bootGuest('none', { snapshot: { kind: 'resume', state }, consoleSize: { cols: 400, rows: 50 } });
  try {
    assert.is(again.stage, 'prompt');
    const con2 = new ConsoleReader(again);
    assert.is(await con2.run('cat /root/note'), 'remembered\n');
  } finally {
    await again.destroy();
  }
});

resume.run();
