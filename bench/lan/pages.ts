// (c) of bench:lan: two pages of the real app in headless Chromium, in one room, linked over the
// browser's own WebRTC (the product path). Commands are typed into each page's terminal on a
// cleared screen and their output read back from it.
//
//   guest A (page 1) ─> RoomNode ─> RTCDataChannel ─> RoomNode (page 2) ─> guest B
//
// The page boots its guest at MTU 1500 (GUEST_MTU), so only `tty` and `nic` at MTU 1500 run here;
// `?channel=unordered` picks the other channel mode.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createRoomId } from '../../src/net/signal-ids.ts';
import type { ChannelMode } from '../../src/p2p/peer-link.ts';
import { typeInTerminal, waitForPrompt, waitForScreen } from '../../test/e2e/harness.ts';
import type { GuestShell } from './measure.ts';
import type { PathPair } from './paths.ts';

const OPEN_WAIT_MS = 90_000;
const LEASE_LINE = /peerlinux: (?:tap0|eth0) has address (10\.0\.2\.\d+)/m;
// Commands' output is cut to the last rows, so it always fits on the terminal's screen.
const OUTPUT_ROWS = 26;

let commands = 0;

function shellOf(page: Page, ip: string): GuestShell {
  return {
    ip,
    async run(command, timeoutMs) {
      const id = ++commands;
      // printf assembles the marker, so the echoed command line never matches it.
      await typeInTerminal(page, `clear; { ${command}; } 2>&1 | tail -n ${OUTPUT_ROWS}; printf '%s_%s\\n' __END ${id}\n`);
      return waitForScreen(page, new RegExp(`^__END_${id}$`, 'm'), timeoutMs);
    },
  };
}

async function openPage(browser: Browser, url: string): Promise<{ context: BrowserContext; page: Page; ip: string }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(url);
  await waitForPrompt(page, OPEN_WAIT_MS);
  const screen = await waitForScreen(page, LEASE_LINE, OPEN_WAIT_MS);
  return { context, page, ip: LEASE_LINE.exec(screen)![1] };
}

/** Two pages of the app at `appUrl` in a fresh room, both guests on `link`, their link open. */
export async function pagesPair(browser: Browser, appUrl: string, link: 'tty' | 'nic', mode: ChannelMode): Promise<PathPair> {
  const u = new URL(appUrl);
  if (link === 'nic') u.searchParams.set('link', 'nic');
  if (mode === 'unordered') u.searchParams.set('channel', 'unordered');
  u.hash = `#/room/${createRoomId()}`;
  const contexts: BrowserContext[] = [];
  const close = async () => void (await Promise.all(contexts.map((c) => c.close().catch(() => undefined))));
  try {
    const pa = await openPage(browser, u.href);
    contexts.push(pa.context);
    const pb = await openPage(browser, u.href);
    contexts.push(pb.context);
    // Both peers list each other with an open link before anything is measured.
    for (const [p, other] of [[pa, pb], [pb, pa]] as const) {
      await p.page.waitForFunction(
        (ip) => Array.from(document.querySelectorAll<HTMLElement>('[data-testid=peer-row]')).some((r) => r.dataset.ip === ip && r.dataset.state === 'open'),
        other.ip,
        { timeout: OPEN_WAIT_MS, polling: 200 },
      );
    }
    return { a: shellOf(pa.page, pa.ip), b: shellOf(pb.page, pb.ip), close };
  } catch (err) {
    await close();
    throw err;
  }
}
