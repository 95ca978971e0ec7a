// npm run bench:lan [-- --quick | --full | --wire-loss] [--only tty,nic1500,nic9000]
//   or: npm run bench:lan -- --table <results.json>... [--only ...] (the table of recorded runs)
//   [--paths direct,relay,room,page-direct,page-relay,pages] [--repeat N]
//
// Guest-to-guest ping RTT (median, p99) and TCP throughput (wget of 4 MiB) for each link kind,
// over each path side by side in one run:
//   direct  the two emulators' ports wired together in this process: the emulator's own limit
//   relay   the same frames through a Node WebSocket relay process (jslinux-tap's architecture)
//   room    two RoomNodes over WebRTC data channels (node-datachannel), per channel mode, clean and
//           with 1% and 5% of frames dropped on purpose at each sender (PeerLink lossRate): the
//           loss runs on nic1500 only unless --full (all links); --quick runs no loss
// In headless Chromium, the same three shapes, so the product path has a baseline in its own runtime:
//   page-direct  two guests (two emulator Workers) in one bench page, wired on its main thread
//   page-relay   one guest in each of two bench pages, frames through the Node WebSocket relay
//   pages   two pages of the app in headless Chromium in one room, per channel mode (`?channel=`),
//           the room MTU from the app server (SIGNALING_MTU), loss as for room but set in the page
//           (`?loss=`), one pair of pages per loss level
// --wire-loss: room and pages on nic1500, the loss put below SCTP instead (UDP dropped by nftables in a
// namespace of the bench's own, see lan/wire-loss.ts), which is where the two modes should differ.
// The drop is at the receiver (input hook): dropped on output, the sender sees sendto() fail and
// SCTP sends again, which hid the loss from `unordered` channels (see lan/wire-loss.ts).
// Prints a table and records bench/results/lan-<time>.json after every measurement. No pass/fail.
import { readFileSync, rmSync } from 'node:fs';
import type { ChannelMode } from '../src/p2p/peer-link.ts';
import { DEFAULT_CHANNEL_MODE } from '../src/p2p/peer-link.ts';
import { createTestInterface } from '../test/support/webrtc-net.ts';
import { recordResults } from './lib/results.ts';
import type { PingFigures, TransferFigures } from './lan/measure.ts';
import { FILE_KIB, guestMtu, measurePing, measureTransfer, PING_COUNT, serveFile, tcpRetransmits, warmUp } from './lan/measure.ts';
import type { LinkSetup, PathPair } from './lan/paths.ts';
import { directPair, relayPair, roomPair } from './lan/paths.ts';
import { pagesPair } from './lan/pages.ts';
import { pageDirectPair, pageRelayPair } from './lan/page-paths.ts';
import { launchBrowser, startAppServer } from '../test/e2e/harness.ts';
import type { AppServer } from '../test/e2e/harness.ts';
import type { Browser } from 'playwright-core';
import { printTable } from './lan/table.ts';
import { initWireLoss, runInPrivateNetns, setWireLoss, wireDrops } from './lan/wire-loss.ts';

const LINKS: Record<string, LinkSetup> = {
  tty: { kind: 'tty', mtu: 1500 },
  nic1500: { kind: 'nic', mtu: 1500 },
  nic9000: { kind: 'nic', mtu: 9000 },
};
const MODES: ChannelMode[] = ['reliable', 'unordered'];
const LOSS_PERCENTS = [0, 1, 5];

/** One measured configuration. */
export interface LanRow {
  link: string;
  path: 'direct' | 'relay' | 'room' | 'page-direct' | 'page-relay' | 'pages';
  mode: ChannelMode | null;
  lossPercent: number;
  /** `frame`: dropped at the sender above the channel; `wire`: UDP dropped below SCTP. */
  lossKind: 'frame' | 'wire';
  run: number;
  ping: PingFigures | null;
  transfer: TransferFigures | null;
  /** The MTU guest A's interface had (as the guest set it from its lease). */
  guestMtu?: number | null;
  /** TCP segments B (the sender of the file) retransmitted during the transfer. */
  retransmits?: number | null;
  /** --wire-loss: UDP datagrams nftables dropped since the loss was set (all runs so far). */
  wireDrops?: number;
  /** Frames dropped at each sender by reason (room and relay paths). */
  dropped?: { a: Record<string, number>; b: Record<string, number> };
  error?: string;
}

const argv = process.argv.slice(2);
const opt = (name: string) => {
  const i = argv.indexOf(name);
  return i === -1 ? undefined : argv[i + 1];
};
const quick = argv.includes('--quick');
const wireLoss = argv.includes('--wire-loss');
const links = (opt('--only') ?? (wireLoss ? 'nic1500' : Object.keys(LINKS).join(','))).split(',');
const ALL_PATHS = ['direct', 'relay', 'room', 'page-direct', 'page-relay', 'pages'];
const paths = (opt('--paths') ?? (wireLoss ? 'room,pages' : ALL_PATHS.join(','))).split(',');
const unknownPath = paths.find((p) => !ALL_PATHS.includes(p));
if (unknownPath) throw new Error(`unknown path ${unknownPath}; use ${ALL_PATHS.join(', ')}`);
const repeat = Number(opt('--repeat') ?? 1);
const full = argv.includes('--full');
const lossKind = wireLoss ? 'wire' : 'frame';
const lossesFor = (link: string) => (quick || (!full && !wireLoss && link !== 'nic1500') ? [0] : LOSS_PERCENTS);

const rows: LanRow[] = [];
let resultsPath: string | null = null;
function record(row: LanRow): void {
  rows.push(row);
  const t = row.transfer;
  console.log(
    `${row.link.padEnd(8)} ${(row.path + (row.mode ? `/${row.mode}` : '')).padEnd(16)} loss ${String(row.lossPercent).padStart(2)}%  ` +
      `ping ${row.ping?.medianMs ?? '-'} / p99 ${row.ping?.p99Ms ?? '-'} ms (${row.ping?.lossPercent ?? '-'}% lost)  ` +
      `wget ${t?.mibPerSecond ?? '-'} MiB/s (${t?.seconds ?? '-'} s guest, ${t?.hostSeconds ?? '-'} s host) ${t?.outcome ?? '-'} mtu ${row.guestMtu ?? '-'} retx ${row.retransmits ?? '-'}${row.wireDrops === undefined ? '' : ` udpDropped ${row.wireDrops}`} drops ${JSON.stringify(row.dropped ?? {})}${row.error ? `  error: ${row.error}` : ''}`,
  );
  // Written after every row, so a run cut short still leaves its figures.
  const figures = { pingCount: PING_COUNT, fileKiB: FILE_KIB, defaultChannelMode: DEFAULT_CHANNEL_MODE, argv, rows };
  if (resultsPath) rmSync(resultsPath, { force: true });
  resultsPath = recordResults('lan', figures);
}

type RowBase = Omit<LanRow, 'run' | 'ping' | 'transfer' | 'lossPercent' | 'lossKind'>;

function applyLoss(pair: PathPair, percent: number): void {
  if (wireLoss) setWireLoss(percent);
  // Pages take their loss from the URL (`?loss=`); they have no setLoss.
  else pair.setLoss?.(percent / 100);
}

async function measureOn(pair: PathPair, base: RowBase, lossList: number[]): Promise<void> {
  await serveFile(pair.b);
  const mtu = await guestMtu(pair.a);
  await warmUp(pair.a, pair.b);
  for (const loss of lossList) {
    applyLoss(pair, loss);
    const before = await pair.counters?.();
    const snap = (c: Record<string, number> | undefined) => ({ ...(c ?? {}) });
    const [da, db] = [snap(before?.a?.dropped), snap(before?.b?.dropped)];
    for (let run = 1; run <= repeat; run++) {
      const row0: Partial<LanRow> = {};
      const ping = await measurePing(pair.a, pair.b);
      const r0 = await tcpRetransmits(pair.b);
      const transfer = await measureTransfer(pair.a, pair.b);
      const r1 = await tcpRetransmits(pair.b);
      const retransmits = r0 === null || r1 === null ? null : r1 - r0;
      const after = await pair.counters?.();
      const dropped = after ? { a: diff(after.a?.dropped, da), b: diff(after.b?.dropped, db) } : undefined;
      if (wireLoss) (row0.wireDrops = wireDrops());
      record({ ...base, ...row0, lossPercent: loss, lossKind, run, guestMtu: mtu, ping, transfer, retransmits, ...(dropped ? { dropped } : {}) });
    }
  }
  applyLoss(pair, 0);
}

function diff(now: Record<string, number> | undefined, then: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(now ?? {})) if (v - (then[k] ?? 0)) out[k] = v - (then[k] ?? 0);
  return out;
}

async function withPair(make: () => Promise<PathPair>, base: RowBase, lossList: number[]): Promise<void> {
  let pair: PathPair | null = null;
  try {
    pair = await make();
    await measureOn(pair, base, lossList);
  } catch (err) {
    record({ ...base, lossPercent: lossList[0], lossKind, run: 0, ping: null, transfer: null, error: (err as Error).message.split('\n')[0] });
  } finally {
    await pair?.close().catch(() => {});
  }
}

async function main(): Promise<void> {
  // --table <file.json>...: print the table of recorded runs (the rows of `--only` links) and stop.
  if (argv[0] === '--table') {
    const recorded = argv.slice(1).filter((a) => a.endsWith('.json'));
    const all = recorded.flatMap((f) => (JSON.parse(readFileSync(f, 'utf8')) as { figures: { rows: LanRow[] } }).figures.rows);
    printTable(all.filter((r) => links.includes(r.link)));
    return;
  }
  if (wireLoss) {
    const code = runInPrivateNetns();
    if (code !== null) process.exit(code);
    initWireLoss();
  }
  // node-datachannel gathers no loopback candidates: the room path needs a real interface.
  const net = createTestInterface();
  process.on('exit', () => net.remove());
  process.on('SIGINT', () => process.exit(130));
  process.on('SIGTERM', () => process.exit(143));
  // One app server per room MTU (SIGNALING_MTU), started when first needed.
  const apps = new Map<number, AppServer>();
  process.on('exit', () => apps.forEach((a) => void a.close()));
  const appFor = async (mtu: number): Promise<AppServer> => {
    if (!apps.has(mtu)) apps.set(mtu, await startAppServer({ SIGNALING_MTU: String(mtu) }));
    return apps.get(mtu)!;
  };
  const browser: Browser | null = paths.some((p) => p.startsWith('page')) ? await launchBrowser() : null;
  for (const name of links) {
    const link = LINKS[name];
    if (!link) throw new Error(`unknown link ${name}; use ${Object.keys(LINKS).join(', ')}`);
    if (paths.includes('direct')) await withPair(() => directPair(link), { link: name, path: 'direct', mode: null }, [0]);
    if (paths.includes('relay')) await withPair(() => relayPair(link), { link: name, path: 'relay', mode: null }, [0]);
    if (paths.includes('room')) {
      for (const mode of MODES) await withPair(() => roomPair(link, mode), { link: name, path: 'room', mode }, lossesFor(name));
    }
    if (browser && paths.includes('page-direct')) await withPair(() => pageDirectPair(browser, link), { link: name, path: 'page-direct', mode: null }, [0]);
    if (browser && paths.includes('page-relay')) await withPair(() => pageRelayPair(browser, link), { link: name, path: 'page-relay', mode: null }, [0]);
    if (browser && paths.includes('pages')) {
      const app = await appFor(link.mtu);
      for (const mode of MODES) {
        const base = { link: name, path: 'pages', mode } as const;
        const pair = (loss: number) => () => pagesPair(browser, app.url, link.kind, mode, loss);
        // Wire loss changes under a running pair; page loss is a URL setting, so a pair per level.
        if (wireLoss) await withPair(pair(0), base, lossesFor(name));
        else for (const loss of lossesFor(name)) await withPair(pair(loss), base, [loss]);
      }
    }
  }
  await browser?.close();
  for (const a of apps.values()) await a.close();
  printTable(rows);
  console.log('recorded', resultsPath);
  net.remove();
  process.exit(0);
}

void main();
