// Boots the committed guest images in v86 under Node for tests and benches.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startVm } from '../../src/vm/vm-host.ts';
import type { GuestImages, LinkKind, Vm, VmConfig } from '../../src/vm/types.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Where the committed guest images live. */
export const IMAGES_DIR = join(ROOT, 'public', 'images');
const require = createRequire(import.meta.url);

/** Absolute path of v86.wasm, as v86 under Node needs it. */
export const WASM_PATH = join(dirname(require.resolve('v86')), 'v86.wasm');

function file(name: string): { buffer: ArrayBuffer } {
  const b = readFileSync(join(IMAGES_DIR, name));
  return { buffer: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer };
}

interface ManifestFile {
  name: string;
  size: number;
  sha256: string;
}

interface Manifest {
  files: Record<'bios' | 'vgaBios' | 'kernel' | 'initrd', ManifestFile> & { template?: ManifestFile };
  v86?: string;
}

/** public/images/manifest.json: each guest file's name, size and sha256. */
export function readManifest(): Manifest {
  return JSON.parse(readFileSync(join(IMAGES_DIR, 'manifest.json'), 'utf8')) as Manifest;
}

/** The committed guest images, read from public/images as the manifest names them. */
export function loadImages(): GuestImages {
  const { files } = readManifest();
  return {
    bios: file(files.bios.name),
    vgaBios: file(files.vgaBios.name),
    kernel: file(files.kernel.name),
    initrd: file(files.initrd.name),
  };
}

/** Boots a guest under Node with sensible test defaults. */
export function bootGuest(link: LinkKind, overrides: Partial<VmConfig> = {}): Promise<Vm> {
  return startVm({
    wasmPath: WASM_PATH,
    images: loadImages(),
    link,
    mac: '52:54:00:12:34:56',
    mtu: 1500,
    hostname: 'guest',
    ...overrides,
  });
}

// Guests' consoles are read with ConsoleReader (one console, its text, waitFor and run).
export { ConsoleReader } from './console-reader.ts';

/** The committed template snapshot (see guest/snapshot.ts), or undefined if there is none. */
export function loadTemplate(): ArrayBuffer | undefined {
  const t = readManifest().files.template;
  return t ? file(t.name).buffer : undefined;
}
