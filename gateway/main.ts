// `npm run gateway -- <room link or id> [options]`: joins the room as its gateway and forwards
// its frames to a tap on br1 (set up first with gateway/host-setup.sh). Prints one JSON line when
// it is up, and leaves the room cleanly on SIGINT or SIGTERM.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isRoomId, roomIdFromHash } from '../src/net/signal-ids.ts';
import { startGateway, type GatewayOptions } from './gateway.ts';

const USAGE = `usage: npm run gateway -- <room link or id> [--server wss://host/signal] [--bridge br1]
       [--tap pltap%d] [--mtu 1500] [--mac aa:bb:cc:dd:ee:ff] [--rate-limit <frames/s per peer>]
       [--metrics 127.0.0.1:9464 | --no-metrics] [--state-dir /run/peerlinux]`;
/** Where the resume state lives unless told otherwise (tmpfs: gone at reboot, as the server's hold is). */
const DEFAULT_STATE_DIR = '/run/peerlinux';
/** Where /metrics listens unless told otherwise. */
const DEFAULT_METRICS = { host: '127.0.0.1', port: 9464 };

function fail(message: string): never {
  console.error(`gateway: ${message}\n${USAGE}`);
  process.exit(2);
}

/** Parses the command line; exits with 2 and the usage on bad input. */
export function parseArgs(argv: readonly string[]): GatewayOptions {
  let target: string | undefined;
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--no-metrics') flags.set(a, '');
    else if (a.startsWith('--')) {
      if (i + 1 >= argv.length) fail(`${a} needs a value`);
      flags.set(a, argv[++i]);
    } else if (target === undefined) target = a;
    else fail(`unexpected argument ${a}`);
  }
  if (target === undefined) fail('a room link or id is required');
  let room: string | undefined;
  let url = flags.get('--server');
  if (isRoomId(target)) room = target;
  else {
    let link: URL;
    try {
      link = new URL(target);
    } catch {
      fail(`not a room link or id: ${target}`);
    }
    room = roomIdFromHash(link.hash);
    // The page's origin serves signaling at /signal (npm start), over ws for http, wss for https.
    url ??= `${link.protocol === 'https:' ? 'wss:' : 'ws:'}//${link.host}/signal`;
  }
  if (!room) fail(`no room id in ${target}`);
  if (!url) fail('--server is required with a bare room id');
  const number = (flag: string) => {
    const v = flags.get(flag);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) fail(`${flag} must be a positive integer`);
    return n;
  };
  let metrics: GatewayOptions['metrics'] = DEFAULT_METRICS;
  if (flags.has('--no-metrics')) metrics = undefined;
  else if (flags.has('--metrics')) {
    const m = /^(.+):(\d+)$/.exec(flags.get('--metrics')!);
    if (!m) fail('--metrics must be host:port');
    metrics = { host: m[1], port: Number(m[2]) };
  }
  return {
    url,
    room,
    bridge: flags.get('--bridge'),
    tapName: flags.get('--tap'),
    mtu: number('--mtu'),
    mac: flags.get('--mac'),
    rateLimit: number('--rate-limit'),
    metrics,
    // Per room, so one host can serve several rooms; the id itself is a secret, so hash it.
    stateFile: join(flags.get('--state-dir') ?? DEFAULT_STATE_DIR, `gateway-${createHash('sha256').update(room).digest('hex').slice(0, 12)}.json`),
  };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  mkdirSync(dirname(options.stateFile!), { recursive: true, mode: 0o700 });
  const gateway = await startGateway(options);
  const metrics = gateway.metricsAddress();
  gateway.node.on('error', (e) => console.error(`gateway: signaling ${e.code}: ${e.message}`));
  gateway.node.on('closed', (c) => {
    console.error(`gateway: left the room (${c.code}: ${c.message})`);
    void gateway.close().then(() => process.exit(1));
  });
  console.log(JSON.stringify({ event: 'up', tap: gateway.tap.name, metrics: metrics ? `${metrics.address}:${metrics.port}` : null }));
  const stop = () => void gateway.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: { code?: string; message?: string }) => {
  console.error(`gateway: ${err.code ?? 'ERR_GATEWAY'}: ${err.message}`);
  process.exit(1);
});
