// The tap addon and its FramePort, in namespaces this test makes (root only).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openTap } from '../gateway/tap.ts';
import { canUseNetns, JsonLines, NetnsLab, netnsOnly } from './netns/netns.ts';

const CHILD = ['--import', 'tsx', 'test/netns/tap-child.ts'];
const TAP_MAC = '02:00:00:00:00:02';
type Line = { event: string; name?: string; hex?: string; pid?: number; code?: string; counters?: Record<string, unknown> };

// An ARP reply telling the kernel that 192.0.2.2 is at TAP_MAC.
function arpReplyHex(toMac: string): string {
  const mac = (m: string) => m.replaceAll(':', '');
  return mac(toMac) + mac(TAP_MAC) + '0806' + '0001080006040002' + mac(TAP_MAC) + 'c0000202' + mac(toMac) + 'c0000201';
}

function linkJson(lab: NetnsLab, ns: string, name: string): Record<string, unknown> | null {
  const r = lab.tryExec(ns, 'ip', ['-j', '-d', 'link', 'show', 'dev', name]);
  return r.status === 0 ? (JSON.parse(r.stdout) as Record<string, unknown>[])[0] : null;
}

async function startChild(lab: NetnsLab, ns: string, args: string[]): Promise<JsonLines<Line>> {
  const lines = new JsonLines<Line>(lab.spawn(ns, process.execPath, [...CHILD, ...args]));
  await lines.wait((l) => l.event === 'open' || l.event === 'error');
  return lines;
}

function exited(lines: JsonLines<Line>): Promise<void> {
  const c = lines.child;
  return new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));
}

const validation = suite('openTap: argument checks');

for (const [options, code] of [
  [{ name: '' }, 'ERR_TAP_NAME'],
  [{ name: 'a-name-that-is-too-long' }, 'ERR_TAP_NAME'],
  [{ name: 'bad name' }, 'ERR_TAP_NAME'],
  [{ bridge: 'bridge-name-too-long' }, 'ERR_TAP_NAME'],
  [{ mtu: 67 }, 'ERR_TAP_MTU'],
  [{ mtu: 9001 }, 'ERR_TAP_MTU'],
  [{ mtu: 1500.5 }, 'ERR_TAP_MTU'],
] as const) {
  validation(`rejects ${JSON.stringify(options)} with ${code}`, () => {
    assert.throws(() => openTap(options), (e: { code?: string }) => e.code === code);
  });
}
validation.run();

const tap = suite('openTap in a namespace');
const lab = new NetnsLab();
let ns = '';

tap.before(() => {
  if (!canUseNetns()) return;
  ns = lab.add('tap');
  // No IPv6 on new interfaces, so the only frames the tap sees are the ones a case provokes.
  lab.exec(ns, 'sysctl', ['-qw', 'net.ipv6.conf.default.disable_ipv6=1']);
  lab.exec(ns, 'ip', ['link', 'add', 'br9', 'type', 'bridge']);
});
tap.after(() => lab.cleanup());

const rootOnly = netnsOnly(tap);

rootOnly('opens from a template, brings the tap up with the MTU, and attaches it to the bridge', async () => {
  const lines = await startChild(lab, ns, [`${lab.prefix}t%d`, 'br9', '1400']);
  const name = lines.lines[0].name!;
  assert.is(name, `${lab.prefix}t0`);
  const link = linkJson(lab, ns, name)!;
  assert.is(link.mtu, 1400);
  assert.is(link.master, 'br9');
  assert.ok((link.flags as string[]).includes('UP'));
  assert.is((link.linkinfo as { info_kind: string }).info_kind, 'tun');
  lines.send({ cmd: 'close' });
  await lines.wait((l) => l.event === 'closed');
  assert.is(linkJson(lab, ns, name), null, 'close() deletes the tap');
  lines.child.kill('SIGKILL');
  await exited(lines);
});

rootOnly('a missing bridge fails with ERR_TAP_BRIDGE and leaves no tap', async () => {
  const lines = await startChild(lab, ns, [`${lab.prefix}x0`, 'nosuchbr', '0']);
  assert.equal(lines.lines[0].event, 'error');
  assert.is(lines.lines[0].code, 'ERR_TAP_BRIDGE');
  await exited(lines);
  assert.is(linkJson(lab, ns, `${lab.prefix}x0`), null);
});

rootOnly('reads the frames the kernel sends and writes frames the kernel receives', async () => {
  const lines = await startChild(lab, ns, [`${lab.prefix}rw0`, '', '0']);
  const name = lines.lines[0].name!;
  lab.exec(ns, 'ip', ['addr', 'add', '192.0.2.1/24', 'dev', name]);
  const link = linkJson(lab, ns, name)!;
  const ourMac = (link.address as string).replaceAll(':', '');
  // Sending to an unknown neighbour makes the kernel ARP for it, out of the tap, to us.
  lab.exec(ns, 'bash', ['-c', 'echo x > /dev/udp/192.0.2.2/9']);
  const arp = await lines.wait((l) => l.event === 'frame' && l.hex!.slice(24, 28) === '0806');
  assert.is(arp.hex, 'ffffffffffff' + ourMac + '0806' + '0001080006040001' + ourMac + 'c0000201' + '000000000000' + 'c0000202');

  lines.send({ cmd: 'write', hex: arpReplyHex(link.address as string) });
  const after = await lines.wait((l) => l.event === 'counters');
  const { framesIn, bytesIn, dropped: none } = after.counters as { framesIn: number; bytesIn: number; dropped: object };
  assert.equal([framesIn, bytesIn, none], [1, 42, {}]);
  const neigh = JSON.parse(lab.exec(ns, 'ip', ['-j', 'neigh', 'show', '192.0.2.2'])) as Array<{ lladdr?: string }>;
  assert.is(neigh[0]?.lladdr, TAP_MAC, 'the kernel learned our written ARP reply');

  lines.send({ cmd: 'write', hex: '00'.repeat(13) });
  lines.send({ cmd: 'write', hex: '00'.repeat(9019) });
  const dropped = await lines.wait((l) => l.event === 'counters' && Object.keys((l.counters as { dropped: object }).dropped).length === 2);
  assert.equal((dropped.counters as { dropped: object }).dropped, { runt: 1, oversize: 1 });
  lines.child.kill('SIGKILL');
  await exited(lines);
});

rootOnly('SIGKILL deletes the tap, even with a child of the process still alive', async () => {
  const lines = await startChild(lab, ns, [`${lab.prefix}k0`, 'br9', '0']);
  const name = lines.lines[0].name!;
  lines.send({ cmd: 'spawn-sleep' });
  const spawned = await lines.wait((l) => l.event === 'spawned');
  assert.ok(linkJson(lab, ns, name));
  lines.child.kill('SIGKILL');
  await exited(lines);
  // `ip netns exec` forwards nothing on SIGKILL; the node process under it dies with it since
  // they are one process (ip execs node).
  let gone = false;
  for (let i = 0; i < 50 && !gone; i++) {
    gone = linkJson(lab, ns, name) === null;
    if (!gone) await new Promise((r) => setTimeout(r, 20));
  }
  try {
    assert.ok(gone, 'tap deleted after SIGKILL');
    assert.not.throws(() => process.kill(spawned.pid!, 0), 'the sleeper is still alive');
  } finally {
    process.kill(spawned.pid!, 'SIGKILL');
  }
});

tap.run();
