// Makes public/images/template.state.zst: the guest booted to its prompt and parked before its
// network comes up, waiting for its settings on ttyS2. Restoring it (VmConfig.snapshot, kind
// 'template') skips the whole boot. Run by `npm run guest` after the images are built; needs the
// `zstd` command.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootGuest, ConsoleReader, IMAGES_DIR } from '../test/support/guest.ts';

/** The template's own settings; every restore replaces them. */
const TEMPLATE = { mac: '02:00:00:00:00:01', hostname: 'peerlinux', mtu: 1500 } as const;
const STATE_FILE = 'template.state.zst';

const vm = await bootGuest('none', { ...TEMPLATE, settingsFromSerial: true });
const con = new ConsoleReader(vm);
await vm.waitForPrompt();
// Let the shell settle and the network script block on ttyS2 before the machine is saved.
await con.run(vm, 'sleep 1');
const state = new Uint8Array(await vm.saveState());
await vm.destroy();
const raw = join(IMAGES_DIR, 'template.state');
writeFileSync(raw, state);
execFileSync('zstd', ['-19', '-q', '-f', '--rm', raw, '-o', join(IMAGES_DIR, STATE_FILE)]);
console.log(`snapshot: ${state.length} bytes of state written as ${STATE_FILE}`);
process.exit(0);
