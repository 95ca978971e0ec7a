// `npm run bench:page`: how fast a person gets a shell, and how the guest fares in a hidden tab.
//
// 1. Navigation to prompt in headless Chromium, from the `npm start` server: a first load (fresh
//    browser context, empty cache) and a second load (reload, cached), median of RUNS each.
// 2. Guest progress in a hidden tab against a visible one: a counting loop in the guest, read
//    after HIDDEN_WINDOW_MS visible and after HIDDEN_WINDOW_MS hidden behind a busy tab, in a
//    Chromium that throttles hidden pages as a person's browser does (not Playwright's defaults).
// Prints the figures and writes bench/results/page.json. Never passes or fails on time.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, launchRealisticBrowser, readScreen, ROOT, startAppServer, typeInTerminal, waitForScreen } from '../test/e2e/harness.ts';

const RUNS = Number(process.env.RUNS ?? 5);
const HIDDEN_WINDOW_MS = Number(process.env.HIDDEN_WINDOW_MS ?? 60_000);
const BOOT_TIMEOUT_MS = 60_000;
// The shell prompt as it shows on the terminal's screen (trailing space trimmed).
const PROMPT_SOURCE = String.raw`@peer-[0-9a-f]{4}:\S*[#$]$`;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Milliseconds from navigation start until the prompt is on the terminal's screen (checked every frame). */
async function promptAfterNavigationMs(page: Page): Promise<{ screenMs: number; markMs: number | null }> {
  const handle = await page.waitForFunction(
    (source) => {
      const rows = document.querySelectorAll('.xterm-rows > div');
      const text = Array.from(rows, (row) => (row.textContent ?? '').replace(/\s+$/, '')).join('\n');
      return new RegExp(source, 'm').test(text) ? performance.now() : false;
    },
    PROMPT_SOURCE,
    { timeout: BOOT_TIMEOUT_MS, polling: 'raf' },
  );
  const screenMs = (await handle.jsonValue()) as number;
  const markMs = await page.evaluate(() => performance.getEntriesByName('peerlinux:prompt')[0]?.startTime ?? null);
  const stages = await page.evaluate(() =>
    Object.fromEntries(performance.getEntriesByType('mark').filter((m) => m.name.startsWith('peerlinux:stage:')).map((m) => [m.name.slice(16), Math.round(m.startTime)])),
  );
  if (process.env.VERBOSE) console.log('    stages', JSON.stringify(stages));
  return { screenMs, markMs };
}

async function measureLoads(browser: Browser, url: string) {
  const first: number[] = [];
  const cached: number[] = [];
  const marks: { first: (number | null)[]; cached: (number | null)[] } = { first: [], cached: [] };
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext({ viewport: { width: 1100, height: 700 } });
    const page = await context.newPage();
    await page.goto(url);
    const a = await promptAfterNavigationMs(page);
    await page.reload();
    const b = await promptAfterNavigationMs(page);
    first.push(a.screenMs);
    cached.push(b.screenMs);
    marks.first.push(a.markMs);
    marks.cached.push(b.markMs);
    console.log(`  run ${i + 1}: first ${a.screenMs.toFixed(0)} ms, cached ${b.screenMs.toFixed(0)} ms`);
    await context.close();
  }
  return { first, cached, marks };
}

/** Reads the guest's loop counter off the terminal screen. */
async function readCounter(page: Page, tag: string): Promise<number> {
  await typeInTerminal(page, `echo ${tag}=$(cat /tmp/count)\n`);
  const screen = await waitForScreen(page, new RegExp(`^${tag}=\\d+$`, 'm'), 30_000);
  const m = new RegExp(`^${tag}=(\\d+)$`, 'm').exec(screen);
  return Number(m![1]);
}

const BUSY_PAGE = `<!doctype html><title>busy</title><script>
  // A heavy foreground tab: spins its main thread 50 ms at a time.
  function spin() { const t = performance.now(); while (performance.now() - t < 50) {} setTimeout(spin, 0); }
  spin();
</script>`;

async function measureHidden(url: string) {
  const real = await launchRealisticBrowser();
  try {
    const context = real.browser.contexts()[0] ?? (await real.browser.newContext());
    const vmPage = await context.newPage();
    await vmPage.goto(url);
    await waitForScreen(vmPage, new RegExp(PROMPT_SOURCE, 'm'), BOOT_TIMEOUT_MS);
    // Counts as fast as busybox ash can, saving every 1000th value where the page can read it.
    await typeInTerminal(vmPage, '(n=0; while :; do n=$((n+1)); [ $((n % 1000)) -eq 0 ] && echo $n > /tmp/count; done) &\nclear\n');
    await new Promise((r) => setTimeout(r, 2000));
    const busy = await context.newPage();
    await busy.setContent(BUSY_PAGE);
    await vmPage.bringToFront();

    const v0 = await readCounter(vmPage, 'V0');
    const tv0 = Date.now();
    await new Promise((r) => setTimeout(r, HIDDEN_WINDOW_MS));
    const v1 = await readCounter(vmPage, 'V1');
    const tv1 = Date.now();
    const visibleState = await vmPage.evaluate(() => document.visibilityState);

    await busy.bringToFront();
    const th0 = Date.now();
    const hiddenState = await vmPage.evaluate(() => document.visibilityState);
    await new Promise((r) => setTimeout(r, HIDDEN_WINDOW_MS));
    const hiddenStateEnd = await vmPage.evaluate(() => document.visibilityState);
    await vmPage.bringToFront();
    const th1 = Date.now();
    const h1 = await readCounter(vmPage, 'H1');
    await busy.close();

    const visiblePerS = ((v1 - v0) * 1000) / (tv1 - tv0);
    const hiddenPerS = ((h1 - v1) * 1000) / (th1 - th0 + (Date.now() - th1));
    return {
      windowMs: HIDDEN_WINDOW_MS,
      visibleState,
      hiddenState: `${hiddenState} -> ${hiddenStateEnd}`,
      visibleCountsPerS: Math.round(visiblePerS),
      hiddenCountsPerS: Math.round(hiddenPerS),
      hiddenOverVisible: Number((hiddenPerS / visiblePerS).toFixed(3)),
      screen: (await readScreen(vmPage)).split('\n').filter((l) => /^[VH]\d=/.test(l)),
    };
  } finally {
    await real.close();
  }
}

const server = await startAppServer();
try {
  console.log(`page bench: ${RUNS} runs, hidden window ${HIDDEN_WINDOW_MS / 1000} s, server ${server.url}`);
  const browser = await launchBrowser();
  let loads;
  try {
    loads = await measureLoads(browser, server.url);
  } finally {
    await browser.close();
  }
  console.log(`navigation to prompt: first load median ${median(loads.first).toFixed(0)} ms, cached median ${median(loads.cached).toFixed(0)} ms`);
  const hidden = await measureHidden(server.url);
  console.log(
    `guest progress: visible ${hidden.visibleCountsPerS}/s, hidden behind a busy tab ${hidden.hiddenCountsPerS}/s ` +
      `(${(hidden.hiddenOverVisible * 100).toFixed(0)}%; visibility ${hidden.visibleState} / ${hidden.hiddenState})`,
  );
  const result = {
    bench: 'page',
    date: new Date().toISOString(),
    machine: 'Debian 12, 2 cores, headless Chromium (Debian), emulator in a module Worker',
    loadAverage: loadavg().map((x) => Number(x.toFixed(2))),
    runs: RUNS,
    navigationToPromptMs: {
      firstMedian: Math.round(median(loads.first)),
      cachedMedian: Math.round(median(loads.cached)),
      first: loads.first.map(Math.round),
      cached: loads.cached.map(Math.round),
      promptMark: loads.marks,
    },
    hiddenTab: hidden,
  };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/page.json'), JSON.stringify(result, null, 2) + '\n');
  console.log('wrote bench/results/page.json');
} finally {
  await server.close();
}
