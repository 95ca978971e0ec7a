// Builds the bench page (bench/lan/page-build.ts runs it through Vite's JS API): its own root and
// output, the repository's public/ as its public dir so /images/ (guest images and template
// snapshot) comes from the same origin, as in the app.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** Where the bench page is built (gitignored). */
export const BENCH_PAGE_OUT_DIR = here('./dist/');

export default defineConfig({
  root: here('.'),
  publicDir: here('../../../public'),
  // The page imports peer-link.ts for its queue limit, which brings simple-peer; as in the app,
  // its browser bundle stands in for the CommonJS entry that needs Node's globals.
  resolve: { alias: [{ find: /^simple-peer$/, replacement: 'simple-peer/simplepeer.min.js' }] },
  // The emulator worker imports v86 as an ES module, so the worker bundle must be ES too.
  worker: { format: 'es' },
  build: { outDir: BENCH_PAGE_OUT_DIR, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 2048 },
  // As the app's build in the e2e harness: v86's Node-only imports are externalized, which it warns about.
  logLevel: 'error',
});
