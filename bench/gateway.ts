// npm run bench:gateway — frames/s through the gateway, side by side in one run with the same
// frames relayed by a Node WebSocket server to a tap (jslinux-tap's design), and a real guest's
// TCP throughput to a wan web server both ways. Prints a table, records JSON in bench/results/;
// never fails on timings. Needs root: it builds the test world in namespaces and removes it.
//
//   peers ns: signaling, synthetic peer, guest ──WebRTC──> gw ns: gateway/main.ts ─ tap ─┐
//                                              └─WebSocket─> gw ns: relay ──── tap ──────┤ br1 ─ NAT ─> wan ns (file server)
//                                                            gw ns: sink tap (counts) ───┘
//
// The reverse direction is offered unpaced (the sink cannot see the forwarder's backlog), so its
// figure is what gets through under overload; drops are in the tap queue and the send buffers.
// Frames per CPU-second divide the frames counted at the far end by the forwarding process's own
// CPU time (all its threads, libdatachannel's included) over the same window.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRoomId } from '../src/net/signal-ids.ts';
import { canUseNetns, JsonLines, NetnsLab } from '../test/netns/netns.ts';
import { addPeersNamespace, buildTopology, GW_PEERS_IP, hostScript, PEERS_IP, WAN_WEB_IP } from '../test/netns/topology.ts';
import { FILE_BYTES, FRAME_BYTES, PEER_MAC } from './gateway-roles.ts';
import { median, recordResults } from './lib/results.ts';

const FRAMES = Number(process.env.BENCH_FRAMES ?? 100_000);
const FILE_PORT = 8081;
// /proc/<pid>/stat counts CPU in clock ticks of 1/100 s on Linux (USER_HZ).
const TICKS_PER_SECOND = 100;
const DRAIN_POLL_MS = 50;
// The guest's throughput swings with the emulator's share of a busy machine: several runs, the median.
const WGET_RUNS = 3;
const ROLES = ['--import', 'tsx', 'bench/gateway-roles.ts'];

type Line = Record<string, any>;
const round2 = (x: number) => Math.round(x * 100) / 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function ask(child: JsonLines<Line>, command: Line, timeoutMs = 300_000): Promise<Line> {
  const from = child.lines.length;
  child.send(command);
  const line = await child.wait((l) => 'event' in l || 'error' in l, from, timeoutMs);
  if (line.error) throw new Error(`${command.cmd}: ${line.error}`);
  return line;
}

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after "pid (comm) ".
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Sends with `send`, counts with `count` until the count stops moving; frames/s and frames per CPU-second of `pid`. */
async function measure(path: string, pid: number, count: () => Promise<number>, send: () => Promise<Line>): Promise<Line> {
  const c0 = await count();
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  const sent = await send();
  let last = await count();
  let lastAt = performance.now();
  for (;;) {
    await sleep(DRAIN_POLL_MS);
    const c = await count();
    if (c === last) break;
    last = c;
    lastAt = performance.now();
  }
  const cpu = cpuSeconds(pid) - cpu0;
  const frames = last - c0;
  const seconds = (lastAt - t0) / 1000;
  return {
    path,
    sent: FRAMES,
    received: frames,
    framesPerSecond: Math.round(frames / seconds),
    cpuSeconds: round2(cpu),
    framesPerCpuSecond: cpu > 0 ? Math.round(frames / cpu) : null,
    ...(sent.dropped ? { senderDrops: JSON.stringify(sent.dropped) } : {}),
    ...(sent.kernelBusy ? { senderDrops: `kernelBusy ${sent.kernelBusy}` } : {}),
  };
}

async function wget(path: string, peer: JsonLines<Line>, pid: number): Promise<Line> {
  const cpu0 = cpuSeconds(pid);
  const rates: number[] = [];
  for (let i = 0; i < WGET_RUNS; i++) {
    const r = await ask(peer, { cmd: 'wget', url: `http://${WAN_WEB_IP}:${FILE_PORT}/file` });
    const bytes = Number(String(r.output).trim());
    // A short file is a broken transfer, not a slow one: it has no rate.
    rates.push(bytes === FILE_BYTES ? Math.round(bytes / 1024 / r.seconds) : NaN);
  }
  return {
    path,
    medianKibPerSecond: median(rates),
    runsKibPerSecond: rates.join(' '),
    forwarderCpuSeconds: round2(cpuSeconds(pid) - cpu0),
  };
}

async function main(): Promise<void> {
  if (!canUseNetns()) {
    console.error('bench:gateway needs root, ip and /dev/net/tun (it builds network namespaces)');
    process.exit(1);
  }
  const lab = new NetnsLab();
  const stateDir = mkdtempSync(join(tmpdir(), 'peerlinux-bench-'));
  let gw = '';
  try {
    const topo = await buildTopology(lab);
    gw = topo.gw;
    const peers = addPeersNamespace(lab, gw);
    const setup = hostScript(lab, gw, stateDir, 'host-setup.sh');
    if (setup.status !== 0) throw new Error(`host-setup.sh failed: ${setup.stderr}`);
    // The test frames are bridged from the gateway's tap to the sink's, never routed; with
    // br_netfilter loaded the egress policy's forward chain would see them as leaving on br1 and
    // drop them. Off in this namespace only: routed traffic (the guest's wget) still meets the policy.
    lab.tryExec(gw, 'sysctl', ['-qw', 'net.bridge.bridge-nf-call-iptables=0']);
    const fileServer = new JsonLines<Line>(lab.spawn(topo.wan, process.execPath, [...ROLES, 'file', WAN_WEB_IP, String(FILE_PORT)]));
    await fileServer.wait((l) => l.event === 'listening');

    const room = createRoomId();
    const peer = new JsonLines<Line>(lab.spawn(peers, process.execPath, [...ROLES, 'peer', PEERS_IP, room]));
    const signalUrl = (await peer.wait((l) => l.event === 'listening')).url as string;
    const gatewayChild = lab.spawn(gw, process.execPath, ['--import', 'tsx', 'gateway/main.ts', room, '--server', signalUrl, '--state-dir', stateDir, '--no-metrics']);
    await new JsonLines<Line>(gatewayChild).wait((l) => l.event === 'up', 0, 60_000);
    const sink = new JsonLines<Line>(lab.spawn(gw, process.execPath, [...ROLES, 'sink', 'br1']));
    await sink.wait((l) => l.event === 'open');
    const relayChild = lab.spawn(gw, process.execPath, [...ROLES, 'relay', GW_PEERS_IP, 'br1']);
    const relayUrl = (await new JsonLines<Line>(relayChild).wait((l) => l.event === 'listening')).url as string;
    await ask(peer, { cmd: 'linked' }, 60_000);

    const atSink = async () => (await ask(sink, { cmd: 'count' })).count as number;
    const atPeer = async () => (await ask(peer, { cmd: 'received' })).count as number;
    const blast = () => ask(sink, { cmd: 'blast', n: FRAMES, dst: PEER_MAC });
    const frames: Line[] = [];
    const gwPid = gatewayChild.pid!;
    const relayPid = relayChild.pid!;
    frames.push(await measure('data channel -> gateway -> tap', gwPid, atSink, () => ask(peer, { cmd: 'send-room', n: FRAMES })));
    frames.push(await measure('tap -> gateway -> data channel (unpaced)', gwPid, atPeer, blast));
    await ask(peer, { cmd: 'relay-connect', url: relayUrl });
    frames.push(await measure('websocket -> relay -> tap', relayPid, atSink, () => ask(peer, { cmd: 'send-relay', n: FRAMES })));
    frames.push(await measure('tap -> relay -> websocket (unpaced)', relayPid, atPeer, blast));
    console.table(frames);

    await ask(peer, { cmd: 'guest' });
    const tcp: Line[] = [];
    tcp.push(await wget('guest -> data channel -> gateway -> NAT -> wan', peer, gwPid));
    await ask(peer, { cmd: 'guest-to-relay', url: relayUrl });
    tcp.push(await wget('guest -> websocket -> relay -> NAT -> wan', peer, relayPid));
    console.table(tcp);
    console.log(recordResults('gateway', { frameBytes: FRAME_BYTES, frames: FRAMES, fileBytes: FILE_BYTES, guestLink: 'nic', wgetRuns: WGET_RUNS, forwarding: frames, guestTcp: tcp }));
  } finally {
    // dnsmasq from host-setup is a daemon, not our child: teardown stops it before the namespace goes.
    if (gw) hostScript(lab, gw, stateDir, 'host-teardown.sh');
    await lab.cleanup();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

await main();
