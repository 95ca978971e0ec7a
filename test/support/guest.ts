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

/** Collects console output as text and lets a test wait for a pattern in it. */
export class ConsoleReader {
  text = '';
  private waiters: { re: RegExp; from: number; resolve: (m: RegExpMatchArray) => void }[] = [];
  constructor(vm: Vm) {
    vm.console.onOutput((bytes) => {
      this.text += new TextDecoder().decode(bytes);
      this.check();
    });
  }
  /** Resolves with the first match of `re` in output after `from` (default: all output so far). */
  waitFor(re: RegExp, timeoutMs = 20000, from = 0): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re} in console:\n${this.text.slice(-2000)}`)), timeoutMs);
      this.waiters.push({ re, from, resolve: (m) => { clearTimeout(timer); resolve(m); } });
      this.check();
    });
  }
  private runs = 0;
  /** Types `command` at the shell and resolves with what it printed (without the echo). */
  async run(vm: Vm, command: string, timeoutMs = 20000): Promise<string> {
    const id = ++this.runs;
    const from = this.text.length;
    // The marker is assembled by printf so the echoed command line never matches it.
    vm.console.write(`${command}; printf '%s_%s\\n' __END ${id}\n`);
    // Output starts after the last line that echoes the marker command (typed-ahead input is
    // echoed twice: by the tty when it arrives and by the shell when it reads it) and ends at
    // the marker itself.
    const echo = `__END ${id}`;
    const m = await this.waitFor(new RegExp(`${echo}[^\\n]*\\n((?:(?!${echo})[\\s\\S])*?)__END_${id}\\r?\\n`), timeoutMs, from);
    return m[1].replace(/\r/g, '');
  }

  private check(): void {
    this.waiters = this.waiters.filter((w) => {
      const m = this.text.slice(w.from).match(w.re);
      if (m) w.resolve(m);
      return !m;
    });
  }
}

/** The committed template snapshot (see guest/snapshot.ts), or undefined if there is none. */
export function loadTemplate(): ArrayBuffer | undefined {
  const t = readManifest().files.template;
  return t ? file(t.name).buffer : undefined;
}
