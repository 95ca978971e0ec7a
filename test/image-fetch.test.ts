import { createHash } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fetchImages, fetchTemplate, ImageFetchError, parseManifest } from '../src/vm/image-fetch.ts';

const IMAGE_FILES = { bios: 'bios.bin', vgaBios: 'vgabios-stdvga.bin', kernel: 'bzImage', initrd: 'initramfs.cpio.lz4' };

const BODIES: Record<string, Uint8Array> = {
  'bios.bin': new Uint8Array(300).fill(1),
  'vgabios-stdvga.bin': new Uint8Array(200).fill(2),
  bzImage: new Uint8Array(1000).fill(3),
  'initramfs.cpio.lz4': new Uint8Array(500).fill(4),
  'template.state.zst': new Uint8Array(700).fill(5),
};
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const entry = (name: string) => ({ name, size: BODIES[name].length, sha256: sha(BODIES[name]) });
// The shape guest/manifest.mjs writes.
const MANIFEST = {
  version: 1,
  files: Object.fromEntries(Object.entries(IMAGE_FILES).map(([role, name]) => [role, entry(name)])),
  totalBytes: 2000,
  packages: { busybox: '1:1.35.0' },
};

const parse = suite('parseManifest');

parse('reads the file of each role, as guest/manifest.mjs writes them', () => {
  const files = parseManifest(MANIFEST);
  assert.equal(files.kernel, entry('bzImage'));
  assert.equal(files.initrd, entry('initramfs.cpio.lz4'));
  assert.equal(files.bios, entry('bios.bin'));
  assert.equal(files.vgaBios, entry('vgabios-stdvga.bin'));
});

const withFile = (role: string, value: unknown) => ({ files: { ...MANIFEST.files, [role]: value } });
const BAD_MANIFESTS: [string, unknown, string][] = [
  ['null', null, 'ERR_BAD_MANIFEST'],
  ['a number', 3, 'ERR_BAD_MANIFEST'],
  ['no files', { version: 1 }, 'ERR_BAD_MANIFEST'],
  ['files as a list', { files: Object.values(MANIFEST.files) }, 'ERR_IMAGE_MISSING'],
  ['a missing kernel', withFile('kernel', undefined), 'ERR_IMAGE_MISSING'],
  ['a bad hash', withFile('bios', { ...entry('bios.bin'), sha256: 'xyz' }), 'ERR_BAD_MANIFEST'],
  ['a negative size', withFile('bios', { ...entry('bios.bin'), size: -1 }), 'ERR_BAD_MANIFEST'],
  ['a name with a path', withFile('kernel', { ...entry('bzImage'), name: '../secret' }), 'ERR_BAD_MANIFEST'],
  ['a name with a slash', withFile('kernel', { ...entry('bzImage'), name: 'a/b' }), 'ERR_BAD_MANIFEST'],
];
for (const [name, json, code] of BAD_MANIFESTS) {
  parse(`rejects ${name} with ${code}`, () => {
    try {
      parseManifest(json);
      assert.unreachable();
    } catch (err) {
      assert.instance(err, ImageFetchError);
      assert.is((err as ImageFetchError).code, code);
    }
  });
}

/** A fetch over an in-memory site that streams bodies in chunks of `chunk` bytes. */
function fakeFetch(site: Record<string, unknown>, chunk = 128): { fetch: typeof fetch; urls: string[] } {
  const urls: string[] = [];
  const fetchFn = (async (input: string | URL | Request) => {
    const url = String(input);
    urls.push(url);
    const name = url.slice('http://x/images/'.length);
    const body = site[name];
    if (body === undefined) return new Response('nope', { status: 404 });
    if (!(body instanceof Uint8Array)) return new Response(JSON.stringify(body));
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < body.length; i += chunk) c.enqueue(body.slice(i, i + chunk));
        c.close();
      },
    });
    return new Response(stream);
  }) as typeof fetch;
  return { fetch: fetchFn, urls };
}

const fetchSuite = suite('fetchImages');

fetchSuite('downloads the four images, checks them, and reports progress up to the total', async () => {
  const { fetch, urls } = fakeFetch({ 'manifest.json': MANIFEST, ...BODIES });
  const progress: [number, number][] = [];
  const images = await fetchImages('http://x/images/', (p) => progress.push([p.loadedBytes, p.totalBytes]), fetch);
  assert.equal(new Uint8Array(images.kernel), BODIES.bzImage);
  assert.equal(new Uint8Array(images.initrd), BODIES['initramfs.cpio.lz4']);
  assert.equal(new Uint8Array(images.bios), BODIES['bios.bin']);
  assert.equal(new Uint8Array(images.vgaBios), BODIES['vgabios-stdvga.bin']);
  assert.is(urls[0], 'http://x/images/manifest.json');
  assert.equal(urls.slice(1).sort(), Object.values(IMAGE_FILES).map((n) => 'http://x/images/' + n).sort());
  assert.equal(progress[0], [0, 2000]);
  assert.equal(progress[progress.length - 1], [2000, 2000]);
  // 300, 200, 1000 and 500 bytes in chunks of 128: 3 + 2 + 8 + 4 reads after the first report.
  assert.is(progress.length, 1 + 17);
  for (let i = 1; i < progress.length; i++) assert.ok(progress[i][0] > progress[i - 1][0]);
});

const FAILURES: [string, Record<string, unknown>, string][] = [
  ['a missing manifest', { ...BODIES }, 'ERR_IMAGE_HTTP'],
  ['a missing image', { 'manifest.json': MANIFEST, ...BODIES, bzImage: undefined }, 'ERR_IMAGE_HTTP'],
  ['a short image', { 'manifest.json': MANIFEST, ...BODIES, bzImage: BODIES.bzImage.subarray(1) }, 'ERR_IMAGE_SIZE'],
  ['a long image', { 'manifest.json': MANIFEST, ...BODIES, bzImage: new Uint8Array(1001).fill(3) }, 'ERR_IMAGE_SIZE'],
  ['a changed image', { 'manifest.json': MANIFEST, ...BODIES, bzImage: new Uint8Array(1000).fill(9) }, 'ERR_IMAGE_HASH'],
];
for (const [name, site, code] of FAILURES) {
  fetchSuite(`fails on ${name} with ${code}`, async () => {
    const err = await fetchImages('http://x/images/', () => undefined, fakeFetch(site).fetch).catch((e: unknown) => e);
    assert.instance(err, ImageFetchError);
    assert.is((err as ImageFetchError).code, code);
  });
}

parse.run();
fetchSuite.run();

const templateSuite = suite('fetchTemplate');
const WITH_TEMPLATE = { ...MANIFEST, v86: '0.5.462', files: { ...MANIFEST.files, template: entry('template.state.zst') } };
const siteWith = (manifest: unknown) => ({ 'manifest.json': manifest, ...BODIES });

templateSuite('downloads the BIOS images and the template, not the kernel or initrd', async () => {
  const { fetch, urls } = fakeFetch(siteWith(WITH_TEMPLATE));
  const progress: number[] = [];
  const t = await fetchTemplate('http://x/images/', '0.5.462', (p) => progress.push(p.loadedBytes), fetch);
  assert.ok(t);
  assert.equal(new Uint8Array(t!.template), BODIES['template.state.zst']);
  assert.equal(new Uint8Array(t!.bios), BODIES['bios.bin']);
  assert.equal(new Uint8Array(t!.vgaBios), BODIES['vgabios-stdvga.bin']);
  assert.equal(urls.map((u) => u.slice('http://x/images/'.length)).sort(), ['bios.bin', 'manifest.json', 'template.state.zst', 'vgabios-stdvga.bin']);
  assert.is(progress.at(-1), 300 + 200 + 700);
});

const NO_TEMPLATE: [string, unknown][] = [
  ['the manifest lists no template', { ...MANIFEST, v86: '0.5.462' }],
  ['the template was saved by another v86', { ...WITH_TEMPLATE, v86: '0.5.400' }],
  ['the manifest names no v86 version', { ...WITH_TEMPLATE, v86: undefined }],
];
for (const [name, manifest] of NO_TEMPLATE) {
  templateSuite(`resolves undefined when ${name}, downloading nothing else`, async () => {
    const { fetch, urls } = fakeFetch(siteWith(manifest));
    assert.is(await fetchTemplate('http://x/images/', '0.5.462', () => undefined, fetch), undefined);
    assert.equal(urls, ['http://x/images/manifest.json']);
  });
}

templateSuite('rejects a malformed template entry with ERR_BAD_MANIFEST', async () => {
  const { fetch } = fakeFetch(siteWith({ ...WITH_TEMPLATE, files: { ...WITH_TEMPLATE.files, template: { name: '../x', size: 1, sha256: 'a' } } }));
  const err = await fetchTemplate('http://x/images/', '0.5.462', () => undefined, fetch).catch((e: unknown) => e);
  assert.instance(err, ImageFetchError);
  assert.is((err as ImageFetchError).code, 'ERR_BAD_MANIFEST');
});

templateSuite.run();
