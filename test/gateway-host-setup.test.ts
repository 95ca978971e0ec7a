// gateway/host-setup.sh and host-teardown.sh in namespaces (root only): a fake VM namespace on br1
// through a veth reaches the wan through NAT and DNS through dnsmasq, and nothing it must not.
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { canUseNetns, NetnsLab, netnsOnly } from './netns/netns.ts';
import {
  buildTopology, hostScript, netTool, nftCounter, PRIVATE_WEB_IP, TEST_NAME, WAN_BODY, WAN_GATEWAY_IP, WAN_WEB_IP, WEB_PORT,
  type Topology,
} from './netns/topology.ts';

const test = suite('host-setup.sh and host-teardown.sh');
const lab = new NetnsLab();
const stateDir = mkdtempSync(join(tmpdir(), 'peerlinux-host-'));
let topo: Topology;
let vm = '';
const enabled = canUseNetns();

const script = (name: 'host-setup.sh' | 'host-teardown.sh') => hostScript(lab, topo.gw, stateDir, name);

test.before(async () => {
  if (!enabled) return;
  topo = await buildTopology(lab);
  vm = lab.add('vm');
});
test.after(async () => {
  await lab.cleanup();
  rmSync(stateDir, { recursive: true, force: true });
});

const rootOnly = netnsOnly(test);

rootOnly('setup makes br1 with the fixed MAC and address, forwarding on, our nft table', () => {
  const r = script('host-setup.sh');
  assert.is(r.status, 0, r.stderr);
  const link = JSON.parse(lab.exec(topo.gw, 'ip', ['-j', 'addr', 'show', 'dev', 'br1']))[0];
  assert.is(link.address, '02:70:6c:67:77:01');
  assert.equal(link.addr_info.filter((a: { family: string }) => a.family === 'inet').map((a: { local: string; prefixlen: number }) => `${a.local}/${a.prefixlen}`), ['10.0.2.1/24']);
  assert.is(lab.exec(topo.gw, 'sysctl', ['-n', 'net.ipv4.ip_forward']).trim(), '1');
  assert.ok(lab.tryExec(topo.gw, 'nft', ['list', 'table', 'inet', 'peerlinux']).status === 0);
  // The fake VM: a veth with one end on br1.
  const [vmSide, brSide] = lab.veth(vm, topo.gw, 'v');
  lab.exec(topo.gw, 'ip', ['link', 'set', brSide, 'master', 'br1', 'up']);
  lab.exec(vm, 'ip', ['addr', 'add', '10.0.2.50/24', 'dev', vmSide]);
  lab.exec(vm, 'ip', ['link', 'set', vmSide, 'up']);
  lab.exec(vm, 'ip', ['route', 'add', 'default', 'via', '10.0.2.1']);
});

rootOnly('a second setup is refused with exit 2 and changes nothing', () => {
  const r = script('host-setup.sh');
  assert.is(r.status, 2);
  assert.match(r.stderr, /already set up/);
});

rootOnly('the VM resolves a name through dnsmasq at 10.0.2.1', () => {
  const before = nftCounter(lab, topo.gw, 'dns');
  assert.equal(netTool(lab, vm, ['resolve', TEST_NAME, '10.0.2.1']), { addresses: [WAN_WEB_IP] });
  assert.ok(nftCounter(lab, topo.gw, 'dns') > before);
});

rootOnly('the VM fetches from the wan through NAT (the server sees the gateway address)', () => {
  const res = netTool(lab, vm, ['fetch', `http://${WAN_WEB_IP}:${WEB_PORT}/x`]);
  assert.equal(res, { status: 200, body: `${WAN_BODY} from ${WAN_GATEWAY_IP}` });
});

// One UDP datagram each, so the counters move by exactly one.
const blocked: Array<[string, string, string]> = [
  ['a private address in another namespace', PRIVATE_WEB_IP, 'drop_private'],
  ['192.168/16', '192.168.1.1', 'drop_private'],
  ['another 10/8 network', '10.9.9.9', 'drop_private'],
  ['cloud metadata (169.254/16)', '169.254.169.254', 'drop_link_local'],
  ["the host's wan address", WAN_GATEWAY_IP, 'drop_host'],
  ['the gateway address on a port other than DNS', '10.0.2.1', 'drop_host'],
];
for (const [what, ip, counter] of blocked) {
  rootOnly(`drops and counts a datagram to ${what} (${counter})`, async () => {
    const before = nftCounter(lab, topo.gw, counter);
    assert.equal(netTool(lab, vm, ['udp', ip, '9']), { sent: true });
    // The datagram is on its way once sent; give the veth a moment to carry it.
    let after = before;
    for (let i = 0; i < 50 && after === before; i++) {
      await new Promise((r) => setTimeout(r, 20));
      after = nftCounter(lab, topo.gw, counter);
    }
    assert.is(after - before, 1);
  });
}

rootOnly('a TCP connection to the private web server fails and the server sees nothing', () => {
  const res = netTool(lab, vm, ['fetch', `http://${PRIVATE_WEB_IP}:${WEB_PORT}/`]);
  // Dropped silently (no reset, no ICMP), so the client can only time out.
  assert.equal(res, { error: 'TimeoutError' });
  assert.is(topo.privateWeb.lines.filter((l) => 'request' in l).length, 0);
});

rootOnly('teardown removes br1, the table and dnsmasq, and restores forwarding; a second teardown is a no-op', () => {
  const pidFile = join(stateDir, 'br1.dnsmasq.pid');
  const pid = Number(lab.exec(topo.gw, 'cat', [pidFile]).trim());
  const r = script('host-teardown.sh');
  assert.is(r.status, 0, r.stderr);
  assert.is(lab.tryExec(topo.gw, 'ip', ['link', 'show', 'dev', 'br1']).status, 1);
  assert.is(lab.tryExec(topo.gw, 'nft', ['list', 'table', 'inet', 'peerlinux']).status, 1);
  assert.is(lab.exec(topo.gw, 'sysctl', ['-n', 'net.ipv4.ip_forward']).trim(), '0');
  assert.not.ok(existsSync(`/proc/${pid}`), 'dnsmasq stopped');
  assert.not.ok(existsSync(join(stateDir, 'br1.state')));
  assert.equal(lab.exec(topo.gw, 'nft', ['list', 'ruleset']).trim(), '');
  const again = script('host-teardown.sh');
  assert.is(again.status, 0);
  assert.match(again.stdout, /nothing to undo/);
});

rootOnly('a setup that fails half way rolls back to nothing (exit 1)', () => {
  // An upstream that is not an address makes dnsmasq, the last step, refuse to start.
  const r = lab.tryExec(topo.gw, 'env', [`PEERLINUX_STATE_DIR=${stateDir}`, 'PEERLINUX_DNS_UPSTREAM=not-an-address', 'bash', 'gateway/host-setup.sh']);
  assert.is(r.status, 1, r.stderr);
  assert.is(lab.tryExec(topo.gw, 'ip', ['link', 'show', 'dev', 'br1']).status, 1);
  assert.is(lab.tryExec(topo.gw, 'nft', ['list', 'table', 'inet', 'peerlinux']).status, 1);
  assert.is(lab.exec(topo.gw, 'sysctl', ['-n', 'net.ipv4.ip_forward']).trim(), '0');
  assert.not.ok(existsSync(join(stateDir, 'br1.state')));
});

test.run();
