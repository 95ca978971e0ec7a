// Writes public/images/manifest.json: each guest file's size and sha256, and the Debian package
// versions it was built from. Usage: node manifest.mjs <dir> name=version...
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, ...versions] = process.argv.slice(2);
const FILES = { bios: 'bios.bin', vgaBios: 'vgabios-stdvga.bin', kernel: 'bzImage', initrd: 'initramfs.cpio.lz4' };
const files = {};
for (const [role, name] of Object.entries(FILES)) {
  const body = readFileSync(join(dir, name));
  files[role] = { name, size: body.length, sha256: createHash('sha256').update(body).digest('hex') };
}
const packages = Object.fromEntries(versions.map((v) => v.split('=')));
const total = Object.values(files).reduce((n, f) => n + f.size, 0);
writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ version: 1, files, totalBytes: total, packages }, null, 2) + '\n');
console.log(`manifest: ${Object.keys(files).length} files, ${total} bytes`);
