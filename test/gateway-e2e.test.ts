// The gateway end to end, as root in namespaces this test makes (no traffic leaves them): real
// guests (v86 under Node) in a room, the gateway process on br1 with NAT and the egress policy,
// a wan with web and DNS servers, and a private server that must stay unreachable.
//
//   peers ns: signaling + guests ──WebRTC over veth──> gw ns: gateway ─ tap ─ br1 ─ NAT ─> wan ns
//                                                                              └─(blocked)─> priv ns
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createRoomId } from '../src/net/signal-ids.ts';
import { canUseNetns, JsonLines, NetnsLab, netnsOnly } from './netns/netns.ts';
import {
  addPeersNamespace, buildTopology, hostScript, netTool, nftCounter, PEERS_IP, PRIVATE_WEB_IP, TEST_NAME, WAN_BODY, WAN_GATEWAY_IP, WAN_WEB_IP, WEB_PORT,
  type Topology,
} from './netns/topology.ts';

type Line = Record<string, any>;
const BOOT_WAIT_MS = 120_000;
const MACS = ['52:54:00:20:00:01', '52:54:00:20:00:02'];
const METRICS_URL = 'http://127.0.0.1:9464/metrics';

const test = suite('gateway end to end');
const lab = new NetnsLab();
const stateDir = mkdtempSync(join(tmpdir(), 'peerlinux-e2e-'));
const room = createRoomId();
const enabled = canUseNetns();
let topo: Topology;
let peers = '';
let roomChild: JsonLines<Line>;
let signalUrl = '';
let gateway: JsonLines<Line> | null = null;
const ips: string[] = [];

async function ask(command: Line, event: string, timeoutMs = 60_000): Promise<Line> {
  const from = roomChild.lines.length;
  roomChild.send(command);
  const line = await roomChild.wait((l) => l.event === event || l.event === 'error', from, timeoutMs);
  if (line.event === 'error') throw new Error(line.message);
  return line;
}

const run = async (index: number, line: string, timeoutMs = 30_000) => (await ask({ cmd: 'run', index, line, timeoutMs }, 'ran', timeoutMs + 5000)).output as string;

async function startGateway(): Promise<void> {
  const child = lab.spawn(topo.gw, process.execPath, ['--import', 'tsx', 'gateway/main.ts', room, '--server', signalUrl, '--state-dir', stateDir]);
  gateway = new JsonLines<Line>(child);
  await gateway.wait((l) => l.event === 'up');
}

function metrics(): string {
  const res = netTool(lab, topo.gw, ['fetch', METRICS_URL]);
  assert.is(res.status, 200, JSON.stringify(res));
  return res.body as string;
}

function metric(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : NaN;
}

async function until(check: () => boolean, what: string, limit = 300): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never happened: ${what}`);
}

const tapsOnBridge = () => JSON.parse(lab.exec(topo.gw, 'ip', ['-j', 'link', 'show', 'master', 'br1'])) as Array<{ ifname: string }>;

test.before(async () => {
  if (!enabled) return;
  topo = await buildTopology(lab);
  peers = addPeersNamespace(lab, topo.gw);
  const setup = hostScript(lab, topo.gw, stateDir, 'host-setup.sh');
  assert.is(setup.status, 0, setup.stderr);
  roomChild = new JsonLines<Line>(lab.spawn(peers, process.execPath, ['--import', 'tsx', 'test/netns/room-child.ts', PEERS_IP, room]));
  signalUrl = (await roomChild.wait((l) => l.event === 'listening')).url;
  await startGateway();
});

test.after(async () => {
  // dnsmasq from host-setup is a daemon, not our child: without teardown it outlives the namespace.
  if (topo) hostScript(lab, topo.gw, stateDir, 'host-teardown.sh');
  await lab.cleanup();
  rmSync(stateDir, { recursive: true, force: true });
});

const rootOnly = netnsOnly(test);

rootOnly('the guest gets a lease with router 10.0.2.1 and DNS 10.0.2.1', async () => {
  const g = await ask({ cmd: 'guest', mac: MACS[0], link: 'nic' }, 'guest', BOOT_WAIT_MS);
  ips.push(g.ip);
  assert.match(g.bound, `eth0 has address ${g.ip}, router 10.0.2.1`);
  assert.is(await run(0, 'cat /etc/resolv.conf'), 'nameserver 10.0.2.1\n');
  const state = await ask({ cmd: 'state', index: 0 }, 'state');
  assert.is(state.state.network, 'internet');
  assert.equal(state.lease.router, '10.0.2.1');
  assert.equal(state.lease.dns, ['10.0.2.1']);
});

rootOnly('the guest resolves a name through the gateway', async () => {
  const out = await run(0, `nslookup ${TEST_NAME}`);
  assert.match(out, `Address: ${WAN_WEB_IP}`);
});

rootOnly('the guest fetches a page from the wan server through NAT', async () => {
  const out = await run(0, `wget -q -O - http://${WAN_WEB_IP}:${WEB_PORT}/guest`);
  assert.is(out, `${WAN_BODY} from ${WAN_GATEWAY_IP}`);
  assert.ok(topo.wanWeb.lines.some((l) => l.request === '/guest' && l.from === WAN_GATEWAY_IP));
});

rootOnly('the guest cannot reach a private address; the drop is counted', async () => {
  const before = nftCounter(lab, topo.gw, 'drop_private');
  const out = await run(0, `timeout 3 wget -q -O - http://${PRIVATE_WEB_IP}:${WEB_PORT}/; echo rc=$?`);
  // Silently dropped: no reset, no ICMP, so only `timeout` ends it (143 = SIGTERM).
  assert.match(out, 'rc=143');
  assert.ok(nftCounter(lab, topo.gw, 'drop_private') > before);
  assert.is(topo.privateWeb.lines.filter((l) => 'request' in l).length, 0);
});

rootOnly('a frame with a spoofed source MAC is dropped at the gateway and counted', async () => {
  const before = metric(metrics(), 'gateway_drops_total{where="ingress",reason="sourceMac"}');
  // A broadcast ARP from node 0 that claims another MAC: the gateway must refuse it.
  const spoofed = 'ffffffffffff' + '020000000666' + '0806' + '0001080006040001' + '020000000666' + '0a000299' + '000000000000' + '0a000201';
  await ask({ cmd: 'inject', index: 0, hex: spoofed }, 'injected');
  await until(() => metric(metrics(), 'gateway_drops_total{where="ingress",reason="sourceMac"}') === before + 1, 'sourceMac drop counted', 50);
});

rootOnly('killing the gateway removes its tap and the guests still ping each other', async () => {
  const g = await ask({ cmd: 'guest', mac: MACS[1], link: 'nic' }, 'guest', BOOT_WAIT_MS);
  ips.push(g.ip);
  assert.is(tapsOnBridge().length, 1);
  gateway!.child.kill('SIGKILL');
  await new Promise((r) => gateway!.child.once('exit', r));
  assert.equal(tapsOnBridge(), []);
  // The second guest's lease is local (its own node's DHCP), so its data channel to the first may
  // still be connecting: wait until one ping gets through, then expect no loss at all.
  const out = await run(0, `for i in $(seq 20); do ping -c 1 -W 2 ${ips[1]} >/dev/null && break; done; ping -c 3 -W 5 ${ips[1]}`, 90_000);
  assert.match(out, '3 packets transmitted, 3 packets received, 0% packet loss');
});

rootOnly('restarting the gateway restores internet access without rebooting the guest', async () => {
  await startGateway();
  await until(() => metric(metrics(), 'gateway_peers{link="open"}') === 2, 'both guests linked to the new gateway');
  assert.is(tapsOnBridge().length, 1);
  const out = await run(0, `wget -q -O - http://${WAN_WEB_IP}:${WEB_PORT}/again`);
  assert.is(out, `${WAN_BODY} from ${WAN_GATEWAY_IP}`);
  const text = metrics();
  assert.ok(metric(text, 'gateway_frames_total{direction="to_host"}') > 0);
  assert.ok(metric(text, 'gateway_frames_total{direction="from_host"}') > 0);
});

test.run();
