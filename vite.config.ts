// Vite builds the page and its module Worker; public/ (the guest images) is copied as is.
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [svelte()],
  // The emulator worker imports v86 as an ES module, so the worker bundle must be ES too.
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 2048 },
});
