// npm run bench:lan [-- --link nic|tty] — guest-to-guest ping and TCP throughput across the room
// mesh, per channel mode (reliable-ordered vs unordered-unreliable), clean and with 1% and 5% of
// UDP datagrams dropped each way. Prints and records the figures; no pass/fail. Needs root.
//
//   this process: guest A ── RoomNode ──┐ veth ┌── RoomNode ── guest B : child in netns
//                 signaling server ─────┘      └── nft: numgen random drop (the injected loss)
//
// The second node runs in a child process inside a network namespace so the loss applies to the
// WebRTC path only (this kernel has no netem; nftables in the namespace drops at random).
import { execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { WebSocket } from 'ws';
import { createSignalingServer } from '../signaling/server.ts';
import { createRoomId } from '../src/net/signal-ids.ts';
import { nodeWrtc } from '../src/p2p/node-webrtc.ts';
import type { ChannelMode } from '../src/p2p/peer-link.ts';
import { RoomNode } from '../src/p2p/room-node.ts';
import type { WebSocketConstructor } from '../src/p2p/signaling-client.ts';
import type { LinkKind } from '../src/vm/types.ts';
import { bootGuest, ConsoleReader } from '../test/support/guest.ts';
import { recordResults } from './lib/results.ts';

const LOSS_PERCENTS = [0, 1, 5];
const MODES: ChannelMode[] = ['reliable', 'unordered'];
const PING_COUNT = 20;
const TRANSFER_KIB = 1024;
const COMMAND_TIMEOUT_MS = 120_000;
const TCP_PORT = 5001;

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
};

// A guest on a node, commands typed at its shell.
async function startGuest(url: string, room: string, link: LinkKind, mode: ChannelMode, mac: string) {
  const vm = await bootGuest(link, { mac, consoleSize: { cols: 400, rows: 50 } });
  const con = new ConsoleReader(vm);
  const node = new RoomNode({
    url,
    room,
    mac,
    port: link === 'tty' ? vm.tty : vm.nic,
    channelMode: mode,
    wrtc: nodeWrtc,
    signaling: { WebSocket: WebSocket as unknown as WebSocketConstructor },
  });
  await vm.waitForPrompt();
  await con.waitFor(/peerlinux: \w+ has address (10\.0\.2\.\d+)/, 60_000);
  return { vm, con, node, ip: node.state().ip! };
}

// Child role: one guest in the namespace, driven by JSON lines on stdin.
async function peerMain(): Promise<void> {
  const [url, room, link, mode] = [arg('--url')!, arg('--room')!, arg('--link') as LinkKind, arg('--mode') as ChannelMode];
  const g = await startGuest(url, room, link, mode, '52:54:00:20:00:02');
  process.stdout.write(JSON.stringify({ ready: g.ip }) + '\n');
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    const { id, cmd } = JSON.parse(line) as { id: number; cmd: string };
    g.con.run(g.vm, cmd, COMMAND_TIMEOUT_MS).then(
      (out) => process.stdout.write(JSON.stringify({ id, out }) + '\n'),
      (err) => process.stdout.write(JSON.stringify({ id, error: String(err) }) + '\n'),
    );
  });
  rl.on('close', async () => {
    g.node.close();
    await g.vm.destroy();
    process.exit(0);
  });
}

function sh(...args: string[]): void {
  execFileSync(args[0], args.slice(1), { stdio: 'ignore' });
}

function setLoss(ns: string, percent: number): void {
  sh('ip', 'netns', 'exec', ns, 'nft', 'flush', 'table', 'inet', 'plloss');
  if (percent === 0) return;
  for (const chain of ['in', 'out']) {
    sh('ip', 'netns', 'exec', ns, 'nft', 'add', 'rule', 'inet', 'plloss', chain, 'meta', 'l4proto', 'udp', 'numgen', 'random', 'mod', '100', '<', String(percent), 'drop');
  }
}

function parsePing(out: string) {
  const loss = /(\d+)% packet loss/.exec(out);
  const rtt = /min\/avg\/max = ([\d.]+)\/([\d.]+)\/([\d.]+)/.exec(out);
  return { lossPercent: loss ? Number(loss[1]) : null, rttAvgMs: rtt ? Number(rtt[2]) : null, rttMaxMs: rtt ? Number(rtt[3]) : null };
}

async function main(): Promise<void> {
  const link = (arg('--link') ?? 'nic') as LinkKind;
  const n = process.pid % 200;
  const ns = `plbench${n}`;
  const [hostIp, nsIp] = [`198.19.${n}.1`, `198.19.${n}.2`];
  const cleanup = () => {
    try {
      sh('ip', 'netns', 'del', ns);
    } catch {
      // already gone
    }
  };
  cleanup();
  sh('ip', 'netns', 'add', ns);
  process.on('exit', cleanup);
  sh('ip', 'link', 'add', `plb${n}a`, 'type', 'veth', 'peer', 'name', `plb${n}b`, 'netns', ns);
  sh('ip', 'link', 'set', `plb${n}a`, 'addrgenmode', 'none');
  sh('ip', 'addr', 'add', `${hostIp}/24`, 'dev', `plb${n}a`);
  sh('ip', 'link', 'set', `plb${n}a`, 'up');
  sh('ip', 'netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
  sh('ip', 'netns', 'exec', ns, 'ip', 'link', 'set', `plb${n}b`, 'addrgenmode', 'none');
  sh('ip', 'netns', 'exec', ns, 'ip', 'addr', 'add', `${nsIp}/24`, 'dev', `plb${n}b`);
  sh('ip', 'netns', 'exec', ns, 'ip', 'link', 'set', `plb${n}b`, 'up');
  sh('ip', 'netns', 'exec', ns, 'nft', 'add', 'table', 'inet', 'plloss');
  sh('ip', 'netns', 'exec', ns, 'nft', 'add', 'chain', 'inet', 'plloss', 'in', '{ type filter hook input priority 0; }');
  sh('ip', 'netns', 'exec', ns, 'nft', 'add', 'chain', 'inet', 'plloss', 'out', '{ type filter hook output priority 0; }');

  const server = createSignalingServer({ log: false });
  const port = await server.listen(0, hostIp);
  const url = `ws://${hostIp}:${port}/signal`;
  const figures: Record<string, unknown>[] = [];

  for (const mode of MODES) {
    const room = createRoomId();
    const a = await startGuest(url, room, link, mode, '52:54:00:20:00:01');
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', process.argv[1], '--peer', '--url', url, '--room', room, '--link', link, '--mode', mode], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const pending = new Map<number, (v: { out?: string; error?: string }) => void>();
    let ready: (ip: string) => void;
    const peerIp = new Promise<string>((r) => (ready = r));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = JSON.parse(line) as { ready?: string; id?: number; out?: string; error?: string };
      if (m.ready) ready(m.ready);
      else if (m.id !== undefined) pending.get(m.id)?.(m);
    });
    let seq = 0;
    // Every wait on the child is bounded, so a dead child ends the bench instead of hanging it.
    const remote = (cmd: string) =>
      new Promise<{ out?: string; error?: string }>((r) => {
        const id = ++seq;
        pending.set(id, r);
        child.stdin!.write(JSON.stringify({ id, cmd }) + '\n');
        setTimeout(() => r({ error: 'timeout' }), COMMAND_TIMEOUT_MS);
      });
    const bIp = await Promise.race([peerIp, new Promise<string>((_, no) => setTimeout(() => no(new Error('peer not ready')), 90_000))]);
    for (const loss of LOSS_PERCENTS) {
      setLoss(ns, loss);
      const ping = parsePing(await a.con.run(a.vm, `ping -c ${PING_COUNT} -i 0.2 -W 2 ${bIp}`, COMMAND_TIMEOUT_MS).catch(() => ''));
      // The receiver counts what arrived; busybox nc half-closes at the end of its input, so the
      // sender's command ends about one round trip after the last byte is delivered.
      await remote(`rm -f /tmp/rx; (nc -l -p ${TCP_PORT} | wc -c > /tmp/rx) &`);
      await new Promise((r) => setTimeout(r, 500));
      const t0 = performance.now();
      await a.con.run(a.vm, `dd if=/dev/zero bs=1024 count=${TRANSFER_KIB} 2>/dev/null | nc ${bIp} ${TCP_PORT}`, COMMAND_TIMEOUT_MS).catch(() => '');
      const seconds = (performance.now() - t0) / 1000;
      const rx = await remote('sleep 1; cat /tmp/rx');
      const sent = Number(rx.out?.trim()) === TRANSFER_KIB * 1024;
      const link0 = a.node.state().peers[0];
      const row = {
        link,
        mode,
        lossPercent: loss,
        pingLossPercent: ping.lossPercent,
        rttAvgMs: ping.rttAvgMs,
        rttMaxMs: ping.rttMaxMs,
        tcpKiBps: sent ? Math.round(TRANSFER_KIB / seconds) : null,
        droppedAtSender: link0?.dropped ?? null,
      };
      figures.push(row);
      console.log(JSON.stringify(row));
    }
    setLoss(ns, 0);
    child.stdin!.end();
    await Promise.race([new Promise((r) => child.once('exit', r)), new Promise((r) => setTimeout(r, 30_000))]);
    if (child.exitCode === null) child.kill();
    a.node.close();
    await a.vm.destroy();
  }
  await server.close();
  console.log('recorded', recordResults('lan', { pingCount: PING_COUNT, transferKiB: TRANSFER_KIB, rows: figures }));
  process.exit(0);
}

if (process.argv.includes('--peer')) void peerMain();
else void main();
