// The emulator's dedicated module Worker: v86 runs here so a hidden or busy page does not slow
// the guest (Chromium lowers a hidden renderer's main thread, not its workers).
import wasmUrl from 'v86/build/v86.wasm?url';
import v86Package from 'v86/package.json';
import { fetchImages, fetchTemplate } from './image-fetch.ts';
import { startVm } from './vm-host.ts';
import type { MessageEndpoint } from './worker-protocol.ts';
import { serveVm } from './worker-server.ts';

serveVm(self as unknown as MessageEndpoint, {
  startVm,
  fetchImages,
  // A snapshot only restores in the v86 that saved it: the manifest names that version.
  fetchTemplate: (url, onProgress) => fetchTemplate(url, v86Package.version.split('+')[0], onProgress),
  wasmUrl: new URL(wasmUrl, self.location.href).href,
});
