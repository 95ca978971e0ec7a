// Builds the bench page (bench/lan/page/) with Vite's JS API, once per process, and serves the
// build from this process with the app server's own static handler (signaling/static.ts), so the
// page and its /images/ are on one origin as in the app. The server does not hold the process open.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { createStaticHandler } from '../../signaling/static.ts';
import { BENCH_PAGE_OUT_DIR } from './page/vite.config.ts';

const CONFIG_FILE = fileURLToPath(new URL('./page/vite.config.ts', import.meta.url));

/** The served bench page. */
export interface BenchPageServer {
  /** Base URL of the page, e.g. `http://127.0.0.1:41234/`. */
  readonly url: string;
  close(): Promise<void>;
}

let serving: Promise<BenchPageServer> | null = null;

/** Builds the page the first time it is called and serves it on 127.0.0.1; later calls share it. */
export function benchPageServer(): Promise<BenchPageServer> {
  serving ??= (async () => {
    await build({ configFile: CONFIG_FILE });
    const server = createServer(createStaticHandler(BENCH_PAGE_OUT_DIR));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    server.unref();
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
      close: () =>
        new Promise<void>((resolve) => {
          serving = null;
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  })();
  // A failed build is not cached: the next call tries again.
  serving.catch(() => (serving = null));
  return serving;
}
