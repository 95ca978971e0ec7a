// End to end: pages of the real app, each in its own browser context, join one room through the
// real server and link over real WebRTC in headless Chromium. Their guests take distinct leases,
// ping each other in tty, nic and mixed rooms, move a 1 MiB file over busybox httpd, and a third
// page joins and later leaves while the server holds its address for the grace period.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { LinkKind } from '../../src/vm/types.ts';
import { type AppServer, collectPageErrors, launchBrowser, startAppServer, typeInTerminal, waitForPrompt, waitForScreen } from './harness.ts';

const WAIT_MS = 90_000;
// Short, so a closed page's hold ends within the test; long enough to open a page inside it.
const GRACE_MS = 15_000;
const PROMPT_LINE = /^root@peer-[0-9a-f]{4}:(~|\/root)# ?/m;
// udhcpc prints this on the console, often right after the first prompt on the same line.
const LEASE_LINE = /peerlinux: (tap0|eth0) has address (10\.0\.2\.\d+)/;
const IFACE: Record<'tty' | 'nic', string> = { tty: 'tap0', nic: 'eth0' };

interface Tab {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly errors: string[];
  ip: string;
}

interface Ctx {
  server?: AppServer;
  browser?: Browser;
  roomUrl?: string;
  tabs: Tab[];
  commands: number;
}

const room = suite<Ctx>('room', { tabs: [], commands: 0 });

room.before(async (ctx) => {
  ctx.server = await startAppServer({ SIGNALING_GRACE_MS: String(GRACE_MS) });
  ctx.browser = await launchBrowser();
});

room.after(async (ctx) => {
  for (const t of ctx.tabs) await t.context.close().catch(() => undefined);
  await ctx.browser?.close();
  await ctx.server?.close();
});

/** Opens `url` in a fresh browser context with `link` chosen in the query (and `extra` query settings). */
async function open(ctx: Ctx, url: string, link: 'tty' | 'nic', extra: Record<string, string> = {}): Promise<Tab> {
  const context = await ctx.browser!.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  const u = new URL(url);
  if (link === 'nic') u.searchParams.set('link', 'nic');
  for (const [k, v] of Object.entries(extra)) u.searchParams.set(k, v);
  await page.goto(u.href);
  const tab: Tab = { context, page, errors, ip: '' };
  ctx.tabs.push(tab);
  return tab;
}

/** Waits for the guest's prompt and its lease on the expected interface; returns the address. */
async function leased(tab: Tab, link: 'tty' | 'nic'): Promise<string> {
  await waitForPrompt(tab.page, WAIT_MS);
  await waitForScreen(tab.page, PROMPT_LINE, WAIT_MS);
  const screen = await waitForScreen(tab.page, LEASE_LINE, WAIT_MS);
  const [, iface, ip] = LEASE_LINE.exec(screen)!;
  assert.is(iface, IFACE[link]);
  // The page shows the same address the guest took.
  assert.is(await tab.page.textContent('[data-testid=self-ip]'), ip);
  tab.ip = ip;
  return ip;
}

/** Runs `command` on a cleared screen and returns the screen once it has finished. */
async function run(ctx: Ctx, tab: Tab, command: string): Promise<string> {
  const end = `END-${++ctx.commands}`;
  await typeInTerminal(tab.page, `clear; ${command}; echo ${end}\n`);
  return waitForScreen(tab.page, new RegExp(`^${end}$`, 'm'), WAIT_MS);
}

/** Waits until `tab`'s peers panel shows exactly `ips`, every link open. */
async function waitForPeers(tab: Tab, ips: readonly string[]): Promise<void> {
  await tab.page.waitForFunction(
    (want) => {
      const rows = Array.from(document.querySelectorAll<HTMLElement>('[data-testid=peer-row]'));
      const shown = rows.map((r) => `${r.dataset.ip}/${r.dataset.state}`).sort();
      return JSON.stringify(shown) === JSON.stringify(want);
    },
    ips.map((ip) => `${ip}/open`).sort(),
    { timeout: WAIT_MS, polling: 200 },
  );
}

async function pingsWithoutLoss(ctx: Ctx, from: Tab, to: Tab): Promise<void> {
  const screen = await run(ctx, from, `ping -c 5 ${to.ip}`);
  assert.match(screen, /^5 packets transmitted, 5 packets received, 0% packet loss$/m, `${from.ip} -> ${to.ip}:\n${screen}`);
}

async function resetTo(tab: Tab, link: LinkKind & ('tty' | 'nic')): Promise<string> {
  const before = tab.ip;
  await tab.page.selectOption('[data-testid=link-select]', link);
  // The reset clears the screen, so the lease line found next is the new boot's.
  await tab.page.waitForFunction(() => document.documentElement.dataset.stage !== 'prompt', undefined, { timeout: WAIT_MS });
  const ip = await leased(tab, link);
  assert.is(ip, before, 'a reset keeps the room membership and the address');
  return ip;
}

async function metric(ctx: Ctx, name: string): Promise<number> {
  const text = await (await fetch(ctx.server!.url + 'metrics')).text();
  const m = new RegExp(`^${name} (\\d+)$`, 'm').exec(text);
  assert.ok(m, `${name} in /metrics`);
  return Number(m![1]);
}

async function until(fn: () => Promise<boolean>): Promise<void> {
  for (let waited = 0; !(await fn()); waited += 200) {
    if (waited > WAIT_MS) throw new Error('ERR_TEST_TIMEOUT');
    await new Promise((r) => setTimeout(r, 200));
  }
}

room('a page with no room in its URL makes one and puts it there; a second page opens the link', async (ctx) => {
  const a = await open(ctx, ctx.server!.url, 'tty');
  await a.page.waitForFunction(() => location.hash.startsWith('#/room/'), undefined, { timeout: WAIT_MS });
  const link = await a.page.inputValue('[data-testid=room-link]');
  assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/#\/room\/[A-Za-z0-9_-]{22}$/);
  assert.is(a.page.url(), link);
  ctx.roomUrl = link;
  const b = await open(ctx, link, 'tty');
  assert.is(await b.page.inputValue('[data-testid=room-link]'), link);
});

room('tty and tty: distinct leases, each page lists the other, ping both ways without loss', async (ctx) => {
  const [a, b] = ctx.tabs;
  await leased(a, 'tty');
  await leased(b, 'tty');
  assert.is.not(a.ip, b.ip);
  await waitForPeers(a, [b.ip]);
  await waitForPeers(b, [a.ip]);
  await pingsWithoutLoss(ctx, a, b);
  await pingsWithoutLoss(ctx, b, a);
  // The panel counts what crossed the link.
  const framesIn = await a.page.textContent('[data-testid=peer-row] dd:nth-of-type(2)');
  assert.match(framesIn ?? '', /^\d+ fr · /);
  assert.ok(Number(/^(\d+)/.exec(framesIn ?? '')![1]) >= 10, 'at least the 10 ping frames came in');
  await a.page.screenshot({ path: join(tmpdir(), 'peerlinux-room-two-pages.png') });
});

room('busybox httpd on one guest, wget of a 1 MiB random file from the other: same md5sum', async (ctx) => {
  const [a, b] = ctx.tabs;
  const served = await run(ctx, a, 'dd if=/dev/urandom of=/root/f bs=1024 count=1024 2>/dev/null; httpd -p 8000 -h /root; md5sum /root/f; wc -c </root/f');
  const sumA = /^([0-9a-f]{32})  \/root\/f$/m.exec(served);
  assert.ok(sumA, served);
  assert.match(served, /^1048576$/m);
  const fetched = await run(ctx, b, `wget -q -O /tmp/f http://${a.ip}:8000/f; md5sum /tmp/f; wc -c </tmp/f`);
  const sumB = /^([0-9a-f]{32})  \/tmp\/f$/m.exec(fetched);
  assert.ok(sumB, fetched);
  assert.match(fetched, /^1048576$/m);
  assert.is(sumB![1], sumA![1]);
});

room('nic and nic after a reset of both: same addresses, ping both ways without loss', async (ctx) => {
  const [a, b] = ctx.tabs;
  await resetTo(a, 'nic');
  await resetTo(b, 'nic');
  await pingsWithoutLoss(ctx, a, b);
  await pingsWithoutLoss(ctx, b, a);
});

room('mixed room (tty and nic): ping both ways without loss', async (ctx) => {
  const [a, b] = ctx.tabs;
  await resetTo(a, 'tty');
  await pingsWithoutLoss(ctx, a, b);
  await pingsWithoutLoss(ctx, b, a);
});

room('a third page joins later, takes its own lease and reaches both', async (ctx) => {
  const [a, b] = ctx.tabs;
  const c = await open(ctx, ctx.roomUrl!, 'nic');
  await leased(c, 'nic');
  assert.not.ok([a.ip, b.ip].includes(c.ip));
  await waitForPeers(c, [a.ip, b.ip]);
  await waitForPeers(a, [b.ip, c.ip]);
  await waitForPeers(b, [a.ip, c.ip]);
  await pingsWithoutLoss(ctx, c, a);
  await pingsWithoutLoss(ctx, c, b);
});

room('a closed page leaves: its address is held through the grace period, then the others drop it', async (ctx) => {
  const [a, b, c] = ctx.tabs;
  await c.context.close();
  // The server holds the closed page's member (not a clean leave), so its address stays taken.
  await until(async () => (await metric(ctx, 'signaling_peers_held')) === 1);
  const d = await open(ctx, ctx.roomUrl!, 'tty');
  await d.page.waitForFunction(() => /^10\.0\.2\.\d+$/.test(document.querySelector('[data-testid=self-ip]')?.textContent ?? ''), undefined, {
    timeout: WAIT_MS,
  });
  const dIp = (await d.page.textContent('[data-testid=self-ip]'))!;
  assert.is(await metric(ctx, 'signaling_peers_held'), 1, 'the closed page was still held when the new page joined');
  assert.not.ok([a.ip, b.ip, c.ip].includes(dIp), `new page got ${dIp}`);
  // After the grace period the others see the closed page leave; the newcomer stays.
  await waitForPeers(a, [b.ip, dIp]);
  await waitForPeers(b, [a.ip, dIp]);
  assert.is(await metric(ctx, 'signaling_peers_held'), 0);
  for (const t of [a, b, d]) assert.equal(t.errors, [], `page errors: ${t.errors.join('; ')}`);
});

room('?loss=50: the page says so, drops about half of what it sends and counts the drops; the others lose nothing', async (ctx) => {
  const [a] = ctx.tabs;
  const e = await open(ctx, ctx.roomUrl!, 'nic', { loss: '50', channel: 'unordered' });
  await leased(e, 'nic');
  assert.is(await e.page.textContent('[data-testid=lab-status]'), 'lab: unordered channels, no retransmits, dropping 50% of frames sent');
  assert.is(await a.page.locator('[data-testid=lab-status]').count(), 0, 'a page without lab settings shows none');
  await e.page.waitForFunction((ip) => document.querySelector<HTMLElement>(`[data-testid=peer-row][data-ip="${ip}"]`)?.dataset.state === 'open', a.ip, {
    timeout: WAIT_MS,
  });
  // Static ARP entries both ways, so the ping is one request frame from E (the lossy page) and one
  // reply from A (no loss): a lost ARP exchange would otherwise lose pings that E never sent.
  const macOf = async (viewer: Tab, of: Tab) => {
    const mac = (await viewer.page.textContent(`[data-testid=peer-row][data-ip="${of.ip}"] .mac`))!.trim();
    assert.match(mac, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    return mac;
  };
  await run(ctx, e, `arp -s ${a.ip} ${await macOf(e, a)}`);
  await run(ctx, a, `arp -s ${e.ip} ${await macOf(a, e)}`);
  const droppedAtE = async () => Number(await e.page.getAttribute(`[data-testid=peer-row][data-ip="${a.ip}"]`, 'data-dropped'));
  const before = await droppedAtE();
  // With 40 requests, all or none getting through has odds of 2^-40.
  const screen = await run(ctx, e, `ping -c 40 -i 0.1 -W 2 ${a.ip} | tail -n 2`);
  const m = /^40 packets transmitted, (\d+) packets received/m.exec(screen);
  assert.ok(m, screen);
  const received = Number(m![1]);
  assert.ok(received > 0 && received < 40, `received ${received} of 40`);
  // Every lost ping is a request E dropped on purpose (E may have dropped other frames meanwhile too).
  const dropped = (await droppedAtE()) - before;
  assert.ok(dropped >= 40 - received, `dropped ${dropped}, lost ${40 - received}`);
  await pingsWithoutLoss(ctx, a, ctx.tabs[1]);
  assert.equal(e.errors, []);
});

room.run();
