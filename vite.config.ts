// Vite builds the page and its module Worker; public/ (the guest images) is copied as is.
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [svelte()],
  // simple-peer's CommonJS entry needs Node's `global`, `process` and `Buffer`; its own browser
  // bundle carries those shims, so the page uses that.
  resolve: { alias: [{ find: /^simple-peer$/, replacement: 'simple-peer/simplepeer.min.js' }] },
  // The emulator worker imports v86 as an ES module, so the worker bundle must be ES too.
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 2048 },
});
