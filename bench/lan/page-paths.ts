// bench:lan's baselines in Chromium, beside `pages` (the app over WebRTC): the app's worker-backed
// guests in the bench page (bench/lan/page/), their frames carried
//
//   page-direct: guest A worker ─> page main thread ─> guest B worker                (one page)
//   page-relay:  guest A worker ─> page ─> WebSocket ─> Node relay process ─> page ─> guest B worker
//
// so a gap between `pages` and the Node paths can be put on the emulator in Chromium and the
// worker hop (page-direct), a plain socket between pages (page-relay), or WebRTC (the rest).
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { GuestShell } from './measure.ts';
import type {} from './page/api.ts';
import { benchPageServer } from './page-server.ts';
import type { LinkSetup, PairCounters, PathPair } from './paths.ts';
import { startRelayProcess } from './relay-process.ts';

/** Boot, restore and lease of the page's guests, generously: both pages may boot at once. */
const READY_WAIT_MS = 120_000;

interface OpenPage {
  readonly context: BrowserContext;
  readonly page: Page;
}

/** Opens the bench page with `query` in a context of its own and waits until its guests have leases. */
async function openBenchPage(browser: Browser, query: Record<string, string>): Promise<OpenPage> {
  const server = await benchPageServer();
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${server.url}?${new URLSearchParams(query)}`);
    await page.waitForFunction(() => window.lanBench !== undefined, undefined, { timeout: 10_000 }).catch((err: Error) => {
      throw new Error(`the bench page did not start: ${errors[0] ?? err.message}`);
    });
    // `ready` rejects with the page's own error (a worker failure); the race bounds a silent hang.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the bench page's guests had no lease in ${READY_WAIT_MS} ms`)), READY_WAIT_MS);
    });
    await Promise.race([page.evaluate(() => window.lanBench!.ready), late]).finally(() => clearTimeout(timer));
    return { context, page };
  } catch (err) {
    await context.close().catch(() => undefined);
    throw err;
  }
}

function ipOf(page: Page, guest: number): Promise<string> {
  return page.evaluate((g) => window.lanBench!.ip(g), guest);
}

function shellOf(page: Page, guest: number, ip: string): GuestShell {
  return {
    ip,
    run: (command, timeoutMs) => page.evaluate(([g, c, t]) => window.lanBench!.run(g, c, t), [guest, command, timeoutMs] as const),
  };
}

const query = (link: LinkSetup) => ({ link: link.kind, mtu: String(link.mtu) });

/** Two guests in one bench page, A's port wired to B's on the page's main thread. */
export async function pageDirectPair(browser: Browser, link: LinkSetup): Promise<PathPair> {
  const { context, page } = await openBenchPage(browser, { mode: 'direct', ...query(link) });
  const [ipA, ipB] = [await ipOf(page, 0), await ipOf(page, 1)];
  return { a: shellOf(page, 0, ipA), b: shellOf(page, 1, ipB), close: () => context.close() };
}

/** One guest in each of two bench pages (two browser contexts), their frames through the Node relay process. */
export async function pageRelayPair(browser: Browser, link: LinkSetup): Promise<PathPair> {
  const relay = await startRelayProcess();
  const contexts: BrowserContext[] = [];
  const close = async () => {
    await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
    relay.close();
  };
  try {
    // Both boot at once; every page that opened is closed even when the other failed.
    const opened = await Promise.allSettled([0, 1].map((index) => openBenchPage(browser, { mode: 'relay', relay: relay.url, index: String(index), ...query(link) })));
    for (const o of opened) if (o.status === 'fulfilled') contexts.push(o.value.context);
    const failed = opened.find((o) => o.status === 'rejected');
    if (failed) throw failed.reason;
    const pages = opened.map((o) => (o as PromiseFulfilledResult<OpenPage>).value.page);
    const [ipA, ipB] = [await ipOf(pages[0], 0), await ipOf(pages[1], 0)];
    const droppedOf = (p: Page) => p.evaluate(() => window.lanBench!.dropped());
    return {
      a: shellOf(pages[0], 0, ipA),
      b: shellOf(pages[1], 0, ipB),
      counters: async (): Promise<PairCounters> => ({ a: { dropped: await droppedOf(pages[0]) }, b: { dropped: await droppedOf(pages[1]) } }),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
