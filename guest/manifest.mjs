// Writes public/images/manifest.json: each guest file's size and sha256, and the Debian package
// versions it was built from. Usage: node manifest.mjs <dir> name=version...
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, ...versions] = process.argv.slice(2);
const FILES = { bios: 'bios.bin', vgaBios: 'vgabios-stdvga.bin', kernel: 'bzImage', initrd: 'initramfs.cpio.lz4' };
// The template snapshot is optional: it only restores in the v86 version that saved it.
const OPTIONAL = { template: 'template.state.zst' };
const files = {};
for (const [role, name] of Object.entries({ ...FILES, ...OPTIONAL })) {
  if (role in OPTIONAL && !existsSync(join(dir, name))) continue;
  const body = readFileSync(join(dir, name));
  files[role] = { name, size: body.length, sha256: createHash('sha256').update(body).digest('hex') };
}
const packages = Object.fromEntries(versions.map((v) => v.split('=')));
const total = Object.values(files).reduce((n, f) => n + f.size, 0);
const v86 = JSON.parse(readFileSync(new URL('../node_modules/v86/package.json', import.meta.url), 'utf8')).version.split('+')[0];
writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ version: 1, v86, files, totalBytes: total, packages }, null, 2) + '\n');
console.log(`manifest: ${Object.keys(files).length} files, ${total} bytes`);
