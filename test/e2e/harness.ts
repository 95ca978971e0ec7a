// Shared browser and server helpers for the end-to-end tests and the page bench: builds dist/
// when stale, runs the real `npm start` server (signaling/main.ts) on a free port, and launches
// Debian's Chromium through playwright-core.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type Browser, type Page, chromium } from 'playwright-core';

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Debian's Chromium. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Flags that work on this machine (root, no network), plus what the WebRTC tests need on loopback. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--allow-loopback-in-peer-connection',
  '--use-fake-ui-for-media-stream',
];
/** Flags Playwright adds that keep hidden pages running at full speed; left out to measure real hidden tabs. */
export const KEEP_VISIBLE_ARGS: readonly string[] = [
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];
const SERVER_START_TIMEOUT_MS = 20_000;
const BUILD_INPUTS = ['index.html', 'vite.config.ts', 'svelte.config.js', 'package.json', 'src', 'public'];

function newestMtimeMs(path: string): number {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtimeMs(join(path, name)));
  return newest;
}

let built = false;

/** Runs `vite build` once per process if dist/ is missing or older than any of its inputs. */
export function ensureBuilt(): void {
  if (built) return;
  const distMs = newestMtimeMs(join(ROOT, 'dist/index.html'));
  const inputMs = Math.max(...BUILD_INPUTS.map((p) => newestMtimeMs(join(ROOT, p))));
  if (distMs === 0 || distMs < inputMs) {
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'error'], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (r.status !== 0) throw new Error(`ERR_BUILD_FAILED: vite build exited with ${r.status}`);
  }
  built = true;
}

/** A running `npm start` server. */
export interface AppServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Builds if needed and starts signaling/main.ts on 127.0.0.1 with a free port, read from its `listening` line; `env` adds settings (e.g. SIGNALING_GRACE_MS). */
export async function startAppServer(env: Record<string, string> = {}): Promise<AppServer> {
  ensureBuilt();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'signaling/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', SIGNALING_LOG: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error('ERR_SERVER_START: no listening line')), SERVER_START_TIMEOUT_MS);
    child.once('exit', (code) => reject(new Error(`ERR_SERVER_START: exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const event = JSON.parse(line) as { event?: string; port?: number };
        if (event.event === 'listening' && typeof event.port === 'number') {
          clearTimeout(timer);
          resolvePort(event.port);
        }
      } catch {
        // Not a JSON log line; the server prints nothing else we need.
      }
    });
  }).catch((err) => {
    child.kill('SIGKILL');
    throw err;
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    close: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

/** Launches headless Chromium the way Playwright does (hidden pages kept running at full speed). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS] });
}

/** A Chromium that throttles hidden pages as a person's browser would, attached over CDP. */
export interface RealisticBrowser {
  readonly browser: Browser;
  close(): Promise<void>;
}

/** Spawns Chromium without Playwright's keep-visible flags and attaches over CDP, so hidden tabs really are. */
export async function launchRealisticBrowser(): Promise<RealisticBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'peerlinux-chromium-'));
  const child = spawn(CHROMIUM_PATH, [...CHROMIUM_ARGS, '--headless', '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const wsUrl = await new Promise<string>((ok, reject) => {
    const timer = setTimeout(() => reject(new Error('ERR_BROWSER_START: no DevTools line')), SERVER_START_TIMEOUT_MS);
    child.once('exit', (code) => reject(new Error(`ERR_BROWSER_START: exited with ${code}`)));
    createInterface({ input: child.stderr! }).on('line', (line) => {
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
  });
  const browser = await chromium.connectOverCDP(wsUrl, { noDefaults: true });
  return {
    browser,
    close: async () => {
      await browser.close().catch(() => undefined);
      if (child.exitCode === null) {
        await new Promise<void>((done) => {
          child.once('exit', () => done());
          child.kill('SIGTERM');
        });
      }
      // Chromium's helper processes may still be writing for a moment after the browser exits.
      try {
        rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
      } catch {
        // A leftover temp profile is harmless.
      }
    },
  };
}

/** Collects every console error and uncaught exception a page logs. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  return errors;
}

/** The text on the terminal's screen, one line per row, trailing spaces trimmed. */
export function readScreen(page: Page): Promise<string> {
  return page.evaluate(() => {
    const rows = document.querySelectorAll('.xterm-rows > div');
    return Array.from(rows, (row) => (row.textContent ?? '').replace(/\s+$/, '')).join('\n');
  });
}

/** Waits until the terminal's screen matches `pattern`. */
export async function waitForScreen(page: Page, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  await page.waitForFunction(
    ([source, flags]) => {
      const rows = document.querySelectorAll('.xterm-rows > div');
      const text = Array.from(rows, (row) => (row.textContent ?? '').replace(/\s+$/, '')).join('\n');
      return new RegExp(source, flags).test(text);
    },
    [pattern.source, pattern.flags] as const,
    { timeout: timeoutMs, polling: 100 },
  );
  return readScreen(page);
}

/** Waits for the page to report the guest's prompt (the status line's stage). */
export async function waitForPrompt(page: Page, timeoutMs = 30_000): Promise<void> {
  await page.waitForFunction(() => document.documentElement.dataset.stage === 'prompt', undefined, { timeout: timeoutMs, polling: 50 });
}

/** Clicks into the terminal and types `text` as key presses (a `\n` presses Enter). */
export async function typeInTerminal(page: Page, text: string): Promise<void> {
  await page.click('[data-testid=terminal]');
  await page.keyboard.type(text);
}
