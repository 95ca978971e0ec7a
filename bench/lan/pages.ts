// (c) of bench:lan: two pages of the real app in headless Chromium, in one room, linked over the
// browser's own WebRTC (the product path). Commands are typed into each page's terminal on a
// cleared screen and their output read back from it.
//
//   guest A (page 1) ─> RoomNode ─> RTCDataChannel ─> RoomNode (page 2) ─> guest B
//
// The room's MTU is the server's (SIGNALING_MTU): the guest takes it with its lease, so a server
// started with 9000 gives nic at MTU 9000. `?channel=unordered` picks the other channel mode and
// `?loss=<percent>` drops that share of each page's frames before its data channel.
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
export async function pagesPair(browser: Browser, appUrl: string, link: 'tty' | 'nic', mode: ChannelMode, lossPercent = 0): Promise<PathPair> {
  const u = new URL(appUrl);
  if (link === 'nic') u.searchParams.set('link', 'nic');
  if (mode === 'unordered') u.searchParams.set('channel', 'unordered');
  if (lossPercent > 0) u.searchParams.set('loss', String(lossPercent));
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
    // Frames each page could not or would not send to the other (injected loss included), from its peer row.
    const droppedOf = async (p: typeof pa, other: typeof pa) => ({
      total: Number(await p.page.getAttribute(`[data-testid=peer-row][data-ip="${other.ip}"]`, 'data-dropped')),
    });
    const counters = async () => ({ a: { dropped: await droppedOf(pa, pb) }, b: { dropped: await droppedOf(pb, pa) } });
    return { a: shellOf(pa.page, pa.ip), b: shellOf(pb.page, pb.ip), counters, close };
  } catch (err) {
    await close();
    throw err;
  }
}
