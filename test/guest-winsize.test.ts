// A running guest follows its terminal's size: Vm.resizeConsole writes `winsize cols=.. rows=..`
// on ttyS2, and the guest's loop (guest/rootfs/etc/init.d/winsize) sets it on ttyS0.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Vm } from '../src/vm/types.ts';
import { bootGuest, ConsoleReader, loadTemplate } from './support/guest.ts';

const LOG = '/var/log/winsize.log';

/** Waits in the guest until its winsize loop has applied `cols` x `rows`, then returns the shell's `stty size`. */
function sizeOnceApplied(vm: Vm, con: ConsoleReader, cols: number, rows: number): Promise<string> {
  return con.run(`while ! grep -qx 'applied cols=${cols} rows=${rows}' ${LOG}; do sleep 0.1; done; stty size`);
}

const restored = suite<{ vm?: Vm; con?: ConsoleReader; fromGuest?: string }>('resizeConsole on a restored template', {});

restored.before(async (ctx) => {
  ctx.vm = await bootGuest('none', {
    snapshot: { kind: 'template', state: loadTemplate()! },
    hostname: 'sized-1',
    consoleSize: { cols: 100, rows: 30 },
  });
  ctx.fromGuest = '';
  ctx.vm.settingsRaw!.onBytes((bytes) => (ctx.fromGuest += String.fromCharCode(...bytes)));
  ctx.con = new ConsoleReader(ctx.vm);
  // The terminal changes while the template is still taking its settings line.
  ctx.vm.resizeConsole({ cols: 101, rows: 33 });
  await ctx.vm.waitForPrompt();
});

restored.after(async (ctx) => {
  await ctx.vm?.destroy();
});

restored('a resize during the restore is not lost, and the settings line is still taken', async (ctx) => {
  const { vm, con } = ctx;
  assert.is(await sizeOnceApplied(vm!, con!, 101, 33), '33 101\n');
  assert.is(await con!.run('hostname; grep config= /run/peerlinux/env'), 'sized-1\nconfig=applied\n');
  // The loop asked for the latest size once, when it started reading ttyS2 (before it applied any).
  assert.is(ctx.fromGuest, 'winsize?\n');
});

restored('at the prompt, stty size in the shell reports the new rows and cols', async ({ vm, con }) => {
  vm!.resizeConsole({ cols: 132, rows: 50 });
  assert.is(await sizeOnceApplied(vm!, con!, 132, 50), '50 132\n');
});

restored('the foreground job gets SIGWINCH', async ({ vm, con }) => {
  const from = con!.end;
  vm!.console.write(`sh -c 'trap "echo GOT-WINCH; exit 0" WINCH; echo ARMED; while :; do sleep 1; done'\n`);
  await con!.waitFor(/^ARMED\r?$/m, 20_000, from);
  vm!.resizeConsole({ cols: 90, rows: 20 });
  await con!.waitFor(/^GOT-WINCH\r?$/m, 20_000, from);
  assert.is(await sizeOnceApplied(vm!, con!, 90, 20), '20 90\n');
});

// Each is one line on ttyS2; none is a size the loop may apply.
const GARBAGE = [
  'garbage',
  '',
  'cols=60 rows=10',
  'winsize cols=0 rows=10',
  'winsize cols=60 rows=1001',
  'winsize cols=060 rows=10',
  'winsize cols=-60 rows=10',
  'winsize cols=60 rows=10 extra',
  'winsize  cols=60 rows=10',
  'winsize rows=10 cols=60',
  'winsize cols=60 rows=10;touch /tmp/pwned',
  'winsize cols=* rows=*',
  'winsize cols=60 rows=10\r',
];

restored('a garbage line on ttyS2 changes nothing', async ({ vm, con }) => {
  const before = Number(await con!.run(`grep -c '^ignored: ' ${LOG}`));
  vm!.settingsRaw!.write(new TextEncoder().encode(GARBAGE.join('\n') + '\n'));
  const want = before + GARBAGE.length;
  const out = await con!.run(`while [ $(grep -c '^ignored: ' ${LOG}) -lt ${want} ]; do sleep 0.1; done; stty size; tail -n ${GARBAGE.length} ${LOG}; test ! -e /tmp/pwned || echo PWNED`);
  const ignored = GARBAGE.map((line) => `ignored: ${line.replace(/\r/g, '')}\n`).join('');
  assert.is(out, `20 90\n${ignored}`);
  // Still listening: the next good line applies.
  vm!.resizeConsole({ cols: 80, rows: 24 });
  assert.is(await sizeOnceApplied(vm!, con!, 80, 24), '24 80\n');
});

restored.run();

const cold = suite('resizeConsole on a booting guest');

cold('a resize before the guest reads ttyS2 is the size its shell ends up with', async () => {
  const vm = await bootGuest('none', { consoleSize: { cols: 80, rows: 24 } });
  try {
    const con = new ConsoleReader(vm);
    // The kernel has not even started: nobody in the guest reads ttyS2 yet.
    vm.resizeConsole({ cols: 140, rows: 42 });
    await vm.waitForPrompt();
    assert.is(await sizeOnceApplied(vm, con, 140, 42), '42 140\n');
  } finally {
    await vm.destroy();
  }
});

cold.run();
