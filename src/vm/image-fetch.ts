// Downloads the guest images listed in manifest.json, reporting bytes as they arrive, and checks
// each file's size (and sha256 where WebCrypto exists: plain-http LAN origins have none).
import type { GuestImages } from './types.ts';

/** The roles of the guest files, as keys of manifest.json's `files`. */
export const IMAGE_ROLES = ['bios', 'vgaBios', 'kernel', 'initrd'] as const satisfies readonly (keyof GuestImages)[];

/** One file as manifest.json lists it. */
export interface ManifestEntry {
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
}

/** The manifest's file for each role. */
export type ManifestFiles = { readonly [K in keyof GuestImages]-?: ManifestEntry };

/** The image bytes, one ArrayBuffer per role. */
export type ImageBuffers = { readonly [K in keyof GuestImages]-?: ArrayBuffer };

/** Download progress across all images. */
export interface ImageProgress {
  readonly loadedBytes: number;
  readonly totalBytes: number;
}

/** An image download failure with a stable code. */
export class ImageFetchError extends Error {
  constructor(
    readonly code: 'ERR_BAD_MANIFEST' | 'ERR_IMAGE_MISSING' | 'ERR_IMAGE_HTTP' | 'ERR_IMAGE_SIZE' | 'ERR_IMAGE_HASH',
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'ImageFetchError';
  }
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

function parseEntry(value: unknown): ManifestEntry | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const ok =
    typeof v.name === 'string' && /^[\w.-]+$/.test(v.name) && !v.name.startsWith('.') &&
    typeof v.size === 'number' && Number.isSafeInteger(v.size) && v.size >= 0 &&
    typeof v.sha256 === 'string' && SHA256_HEX.test(v.sha256);
  return ok ? { name: v.name as string, size: v.size as number, sha256: v.sha256 as string } : undefined;
}

/** Parses manifest.json (as guest/manifest.mjs writes it): `files` maps each role to `{name, size, sha256}`. */
export function parseManifest(json: unknown): ManifestFiles {
  const files = (json as { files?: unknown } | null)?.files;
  if (typeof files !== 'object' || files === null) throw new ImageFetchError('ERR_BAD_MANIFEST', 'no files object');
  const out: Partial<Record<keyof GuestImages, ManifestEntry>> = {};
  for (const role of IMAGE_ROLES) {
    const raw = (files as Record<string, unknown>)[role];
    if (raw === undefined) throw new ImageFetchError('ERR_IMAGE_MISSING', `manifest lacks the ${role} file`);
    const entry = parseEntry(raw);
    if (!entry) throw new ImageFetchError('ERR_BAD_MANIFEST', `bad entry for ${role}`);
    out[role] = entry;
  }
  return out as ManifestFiles;
}

async function sha256Hex(bytes: ArrayBuffer): Promise<string | undefined> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return undefined;
  const digest = new Uint8Array(await subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function download(url: string, entry: ManifestEntry, fetchFn: typeof fetch, onBytes: (n: number) => void): Promise<ArrayBuffer> {
  const res = await fetchFn(url);
  if (!res.ok) throw new ImageFetchError('ERR_IMAGE_HTTP', `${entry.name}: HTTP ${res.status}`);
  const out = new Uint8Array(entry.size);
  let at = 0;
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (at + value.byteLength > out.byteLength) {
        await reader.cancel();
        throw new ImageFetchError('ERR_IMAGE_SIZE', `${entry.name}: more than the manifest's ${entry.size} bytes`);
      }
      out.set(value, at);
      at += value.byteLength;
      onBytes(value.byteLength);
    }
  } else {
    const all = new Uint8Array(await res.arrayBuffer());
    if (all.byteLength <= out.byteLength) out.set(all);
    at = all.byteLength;
    onBytes(all.byteLength);
  }
  if (at !== entry.size) throw new ImageFetchError('ERR_IMAGE_SIZE', `${entry.name}: ${at} bytes, manifest says ${entry.size}`);
  const hash = await sha256Hex(out.buffer);
  if (hash !== undefined && hash !== entry.sha256) throw new ImageFetchError('ERR_IMAGE_HASH', `${entry.name}: sha256 ${hash}`);
  return out.buffer;
}

async function fetchManifest(baseUrl: string, fetchFn: typeof fetch): Promise<unknown> {
  const res = await fetchFn(new URL('manifest.json', baseUrl).href);
  if (!res.ok) throw new ImageFetchError('ERR_IMAGE_HTTP', `manifest.json: HTTP ${res.status}`);
  try {
    return await res.json();
  } catch {
    throw new ImageFetchError('ERR_BAD_MANIFEST', 'manifest.json is not JSON');
  }
}

// Downloads `entries` in parallel, reporting progress across all of them.
async function downloadAll(
  baseUrl: string,
  entries: readonly ManifestEntry[],
  onProgress: (progress: ImageProgress) => void,
  fetchFn: typeof fetch,
): Promise<ArrayBuffer[]> {
  const totalBytes = entries.reduce((sum, e) => sum + e.size, 0);
  let loadedBytes = 0;
  onProgress({ loadedBytes, totalBytes });
  return Promise.all(
    entries.map((entry) =>
      download(new URL(entry.name, baseUrl).href, entry, fetchFn, (n) => {
        loadedBytes += n;
        onProgress({ loadedBytes, totalBytes });
      }),
    ),
  );
}

/** Fetches manifest.json under `baseUrl`, then the four images in parallel, calling `onProgress` as bytes arrive. */
export async function fetchImages(
  baseUrl: string,
  onProgress: (progress: ImageProgress) => void,
  fetchFn: typeof fetch = fetch,
): Promise<ImageBuffers> {
  const files = parseManifest(await fetchManifest(baseUrl, fetchFn));
  const buffers = await downloadAll(baseUrl, IMAGE_ROLES.map((role) => files[role]), onProgress, fetchFn);
  return Object.fromEntries(IMAGE_ROLES.map((role, i) => [role, buffers[i]])) as unknown as ImageBuffers;
}

/** What a template restore needs: the two BIOS images and the snapshot. */
export interface TemplateBuffers {
  readonly bios: ArrayBuffer;
  readonly vgaBios: ArrayBuffer;
  readonly template: ArrayBuffer;
}

/**
 * Fetches the template snapshot and the BIOS images, or resolves undefined when manifest.json
 * lists no template or one saved by another v86 version than `v86Version` (it would not restore).
 */
export async function fetchTemplate(
  baseUrl: string,
  v86Version: string,
  onProgress: (progress: ImageProgress) => void,
  fetchFn: typeof fetch = fetch,
): Promise<TemplateBuffers | undefined> {
  const json = await fetchManifest(baseUrl, fetchFn);
  const files = parseManifest(json);
  const m = json as { v86?: unknown; files: Record<string, unknown> };
  if (m.files.template === undefined || m.v86 !== v86Version) return undefined;
  const template = parseEntry(m.files.template);
  if (!template) throw new ImageFetchError('ERR_BAD_MANIFEST', 'bad entry for template');
  const [bios, vgaBios, state] = await downloadAll(baseUrl, [files.bios, files.vgaBios, template], onProgress, fetchFn);
  return { bios, vgaBios, template: state };
}
