// End to end: headless Chromium loads the page from the real `npm start` server, waits for the
// guest's prompt in the terminal, types commands and reads the answers off the terminal's screen.
import type { Browser, Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { LinkKind } from '../../src/vm/types.ts';
import { type AppServer, collectPageErrors, launchBrowser, readScreen, startAppServer, typeInTerminal, waitForPrompt, waitForScreen } from './harness.ts';

const BOOT_TIMEOUT_MS = 30_000;
// The guest shows `root@<hostname>:<cwd># `; its home is /root.
const PROMPT_LINE = /^root@peer-[0-9a-f]{4}:(~|\/root)# ?$/m;

interface Ctx {
  server?: AppServer;
  browser?: Browser;
}

const page = suite<Ctx>('page');

page.before(async (ctx) => {
  ctx.server = await startAppServer();
  ctx.browser = await launchBrowser();
});

page.after(async (ctx) => {
  await ctx.browser?.close();
  await ctx.server?.close();
});

async function openPage(ctx: Ctx, query: string): Promise<{ tab: Page; errors: string[] }> {
  const tab = await ctx.browser!.newPage({ viewport: { width: 1100, height: 700 } });
  const errors = collectPageErrors(tab);
  await tab.goto(ctx.server!.url + query);
  await waitForPrompt(tab, BOOT_TIMEOUT_MS);
  await waitForScreen(tab, PROMPT_LINE, BOOT_TIMEOUT_MS);
  return { tab, errors };
}

/** Runs `command` in the guest and returns the screen once `answer` shows on it. */
async function run(tab: Page, command: string, answer: RegExp): Promise<string> {
  await typeInTerminal(tab, command + '\n');
  return waitForScreen(tab, answer, BOOT_TIMEOUT_MS);
}

function macShown(screenOrStatus: string): string {
  const m = /([0-9a-f]{2}(?::[0-9a-f]{2}){5})/.exec(screenOrStatus);
  assert.ok(m, 'the status line shows the MAC');
  return m![1];
}

// `auto` restores the template snapshot (the default); `cold` boots the kernel (`?boot=cold`).
const BOOTS: [LinkKind, 'auto' | 'cold'][] = [['tty', 'auto'], ['nic', 'auto'], ['tty', 'cold']];
for (const [link, boot] of BOOTS) {
  page(`${boot === 'auto' ? 'restores' : 'boots'} with link ${link}, runs uname -a and logs no errors`, async (ctx) => {
    const params = new URLSearchParams();
    if (link !== 'tty') params.set('link', link);
    if (boot === 'cold') params.set('boot', 'cold');
    const { tab, errors } = await openPage(ctx, params.size ? `?${params}` : '');
    try {
      const screen = await run(tab, 'uname -a', /^Linux peer-[0-9a-f]{4} \S+ .* i686 GNU\/Linux$/m);
      assert.match(screen, /i686/);
      assert.is(await tab.inputValue('[data-testid=link-select]'), link);
      const status = await tab.textContent('[data-testid=status]');
      const mac = macShown(status ?? '');
      // The guest took the chosen link and the page's own MAC and terminal size, whether it
      // booted with them on its command line or a restored template was handed them on ttyS2.
      const env = await run(tab, 'cat /run/peerlinux/env; echo ENV_END', /^ENV_END$/m);
      assert.match(env, new RegExp(`^link=${link}$`, 'm'));
      assert.match(env, new RegExp(`^mac=${mac}$`, 'm'));
      assert.match(env, boot === 'auto' ? /^config=applied$/m : /^config=cmdline$/m);
      // One word per line, so no word is split where the terminal wraps.
      const words = await run(tab, "tr ' ' '\\n' </proc/cmdline; echo CMDLINE_END", /^CMDLINE_END$/m);
      if (boot === 'auto') assert.match(words, /^peerlinux\.config=serial$/m);
      else assert.match(words, new RegExp(`^peerlinux\\.link=${link}$`, 'm'));
      const size = await run(tab, 'echo SIZE=$(stty size)', /^SIZE=\d+ \d+$/m);
      const [rows, cols] = /^SIZE=(\d+) (\d+)$/m.exec(size)!.slice(1).map(Number);
      const rowsShown = await tab.evaluate(() => document.querySelectorAll('.xterm-rows > div').length);
      assert.is(rows, rowsShown, 'the guest knows the terminal size');
      assert.ok(cols > 80);
      assert.equal(errors, []);
    } finally {
      await tab.close();
    }
  });
}

page('the link select reboots the guest with the other link and records it in the URL', async (ctx) => {
  const { tab, errors } = await openPage(ctx, '');
  try {
    await tab.selectOption('[data-testid=link-select]', 'nic');
    assert.match(tab.url(), /\?link=nic(#.*)?$/);
    // A reset clears the screen, so the next prompt on it is the new guest's.
    await waitForPrompt(tab, BOOT_TIMEOUT_MS);
    await waitForScreen(tab, PROMPT_LINE, BOOT_TIMEOUT_MS);
    const env = await run(tab, 'cat /run/peerlinux/env; echo END', /^END$/m);
    assert.match(env, /^link=nic$/m);
    assert.not.match(env, /^link=tty$/m);
    assert.equal(errors, []);
  } finally {
    await tab.close();
  }
});

page('a resized window resizes the running guest\'s terminal: stty size follows', async (ctx) => {
  const { tab, errors } = await openPage(ctx, '');
  try {
    const before = await run(tab, 'echo SIZE=$(stty size)', /^SIZE=\d+ \d+$/m);
    const [oldRows, oldCols] = /^SIZE=(\d+) (\d+)$/m.exec(before)!.slice(1).map(Number);
    await tab.setViewportSize({ width: 820, height: 460 });
    const rowsShown = Number(
      await (await tab.waitForFunction((old) => {
        const n = document.querySelectorAll('.xterm-rows > div').length;
        return n !== old && n;
      }, oldRows)).jsonValue(),
    );
    // The page tells the guest a moment after the terminal settles; wait in the guest for it.
    const after = await run(
      tab,
      `while [ "$(stty size | cut -d' ' -f1)" != ${rowsShown} ]; do sleep 0.2; done; echo RESIZED=$(stty size)`,
      /^RESIZED=\d+ \d+$/m,
    );
    const [rows, cols] = /^RESIZED=(\d+) (\d+)$/m.exec(after)!.slice(1).map(Number);
    assert.is(rows, rowsShown);
    assert.ok(rows < oldRows && cols < oldCols, `${oldRows}x${oldCols} -> ${rows}x${cols}`);
    // Exactly `cols` characters fill one terminal row: fewer would leave the Y beside them, more
    // would wrap the x's onto the next row.
    const screen = await run(tab, `printf '%${cols}s' '' | tr ' ' x; echo Y; printf '%s_%s\\n' WRAP END`, /^WRAP_END$/m);
    assert.match(screen, new RegExp(`^x{${cols}}\\nY$`, 'm'), 'the guest\'s columns are the terminal\'s');
    assert.equal(errors, []);
  } finally {
    await tab.close();
  }
});

page('reads the terminal screen as text (sanity check of the harness)', async (ctx) => {
  const tab = await ctx.browser!.newPage();
  try {
    await tab.goto(ctx.server!.url);
    await tab.waitForSelector('.xterm-rows');
    assert.type(await readScreen(tab), 'string');
  } finally {
    await tab.close();
  }
});

page.run();
