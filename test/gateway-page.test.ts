// The gateway with a real page: headless Chromium opens the real app (signaling/main.ts serving
// dist/) and joins a room with the gateway process; its guest leases, resolves and fetches through
// NAT. Root only; everything runs in namespaces this test makes and removes, Chromium included
// (launched through `ip netns exec`, driven over Playwright's pipe, so no port is needed across).
//
//   peers ns: app server + Chromium page ──WebRTC over veth──> gw ns: gateway ─ tap ─ br1 ─ NAT ─> wan ns
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createRoomId } from '../src/net/signal-ids.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH, collectPageErrors, ensureBuilt, typeInTerminal, waitForPrompt, waitForScreen } from './e2e/harness.ts';
import { canUseNetns, JsonLines, NetnsLab, netnsOnly } from './netns/netns.ts';
import { addPeersNamespace, buildTopology, hostScript, PEERS_IP, TEST_NAME, WAN_BODY, WAN_GATEWAY_IP, WAN_WEB_IP, WEB_PORT, type Topology } from './netns/topology.ts';

type Line = Record<string, any>;
const WAIT_MS = 90_000;
// Not anchored: the guest's DHCP client may print it after the prompt, on the prompt's line.
const LEASE_LINE = /peerlinux: eth0 has address (10\.0\.2\.\d+)(, router [0-9.]+)?/m;

const test = suite('gateway with a page');
const lab = new NetnsLab();
const stateDir = mkdtempSync(join(tmpdir(), 'peerlinux-page-'));
const enabled = canUseNetns();
const room = createRoomId();
let topo: Topology | null = null;
let browser: Browser | null = null;
let page: Page;
let errors: string[] = [];
let origin = '';
let commands = 0;

async function run(command: string): Promise<string> {
  const end = `END-${++commands}`;
  await typeInTerminal(page, `clear; ${command}; echo ${end}\n`);
  const screen = await waitForScreen(page, new RegExp(`^${end}$`, 'm'), WAIT_MS);
  // What the command printed: the lines between the typed command and the end marker.
  const lines = screen.split('\n');
  const last = lines.findIndex((l) => l === end);
  const first = lines.findIndex((l) => l.includes(`echo ${end}`));
  return lines.slice(first + 1, last).join('\n');
}

test.before(async () => {
  if (!enabled) return;
  ensureBuilt();
  topo = await buildTopology(lab);
  const peers = addPeersNamespace(lab, topo.gw);
  const setup = hostScript(lab, topo.gw, stateDir, 'host-setup.sh');
  assert.is(setup.status, 0, setup.stderr);

  const server = new JsonLines<Line>(
    lab.spawn(peers, process.execPath, ['--import', 'tsx', 'signaling/main.ts'], {
      env: { ...process.env, PORT: '0', HOST: PEERS_IP, SIGNALING_LOG: '0' },
    }),
  );
  origin = `http://${PEERS_IP}:${(await server.wait((l) => l.event === 'listening')).port}`;
  const link = `${origin}/#/room/${room}`;
  const gateway = new JsonLines<Line>(lab.spawn(topo.gw, process.execPath, ['--import', 'tsx', 'gateway/main.ts', link, '--state-dir', stateDir, '--no-metrics']));
  await gateway.wait((l) => l.event === 'up');

  // Chromium inside the peers namespace: Playwright talks to it over inherited pipe descriptors,
  // which `ip netns exec` passes on, so only the browser's own traffic is in the namespace.
  const wrapper = join(stateDir, 'chromium-in-netns');
  writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${peers} ${CHROMIUM_PATH} "$@"\n`);
  chmodSync(wrapper, 0o755);
  browser = await chromium.launch({ executablePath: wrapper, headless: true, args: [...CHROMIUM_ARGS] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  page = await context.newPage();
  errors = collectPageErrors(page);
  await page.goto(`${origin}/?link=nic#/room/${room}`);
});

test.after(async () => {
  await browser?.close().catch(() => undefined);
  // dnsmasq from host-setup is a daemon, not our child: teardown stops it before the namespace goes.
  if (topo) hostScript(lab, topo.gw, stateDir, 'host-teardown.sh');
  await lab.cleanup();
  rmSync(stateDir, { recursive: true, force: true });
});

const rootOnly = netnsOnly(test);

rootOnly('the page guest leases with router 10.0.2.1 and DNS 10.0.2.1; the page shows internet via gateway', async () => {
  await waitForPrompt(page, WAIT_MS);
  const screen = await waitForScreen(page, LEASE_LINE, WAIT_MS);
  const [, ip, router] = LEASE_LINE.exec(screen)!;
  assert.is(router, ', router 10.0.2.1');
  assert.is(await page.textContent('[data-testid=self-ip]'), ip);
  await page.waitForFunction(() => document.querySelector('[data-testid=net-status]')?.textContent?.includes('internet via gateway'), undefined, {
    timeout: WAIT_MS,
  });
  assert.is(await run('cat /etc/resolv.conf'), 'nameserver 10.0.2.1');
});

rootOnly('the page guest resolves the wan name through the gateway', async () => {
  const out = await run(`nslookup ${TEST_NAME}`);
  assert.match(out, `Address: ${WAN_WEB_IP}`);
});

rootOnly('the page guest fetches the wan page through NAT', async () => {
  const out = await run(`wget -q -O - http://${TEST_NAME}:${WEB_PORT}/page; echo`);
  assert.is(out, `${WAN_BODY} from ${WAN_GATEWAY_IP}`);
  assert.ok(topo!.wanWeb.lines.some((l) => l.request === '/page' && l.from === WAN_GATEWAY_IP));
  assert.equal(errors, []);
});

test.run();
