// The measurement core of bench:lan: two guests that can reach each other, whatever carries their
// frames; a ping from A to B (every RTT parsed) and a timed `wget` of a 4 MiB file that B serves.
// Every wait is bounded twice: by busybox `timeout` in the guest and by the console wait here, so
// a transfer that collapses is recorded as a timeout, never a hang.
import { median, percentile } from '../lib/results.ts';

/** Pings per measurement. */
export const PING_COUNT = 20;
/** Interval between pings, in seconds (busybox `ping -i`). */
export const PING_INTERVAL_S = 0.2;
/** Size of the file B serves and A fetches. */
export const FILE_KIB = 4096;
/** The guest gives up on a transfer after this long (busybox `timeout`). */
export const WGET_TIMEOUT_S = 45;
/** Port of B's busybox httpd. */
export const HTTP_PORT = 8000;

/** A guest the bench can type commands at: resolves with what the command printed. */
export interface GuestShell {
  readonly ip: string;
  run(command: string, timeoutMs: number): Promise<string>;
}

/** Ping figures: RTTs in ms of the replies that came back. */
export interface PingFigures {
  sent: number;
  received: number;
  lossPercent: number;
  medianMs: number | null;
  p99Ms: number | null;
}

/** Throughput of one transfer, or why there is none. */
export interface TransferFigures {
  /** By the guest's clock around the transfer. */
  seconds: number | null;
  /** By the host's clock, from typing the command to reading its end (includes the console's own costs). */
  hostSeconds: number | null;
  /** For a timeout: the rate of the bytes that arrived within the bound. */
  mibPerSecond: number | null;
  bytes: number | null;
  /** `ok`, `timeout` (the guest's bound fired), `failed` (wget exit code), `hung` (no answer in time). */
  outcome: 'ok' | 'timeout' | 'failed' | 'hung';
}

/** Parses busybox ping output: every `time=` of a reply, the transmitted and received counts. */
export function parsePing(out: string): PingFigures {
  const rtts = [...out.matchAll(/seq=\d+ ttl=\d+ time=([\d.]+) ms/g)].map((m) => Number(m[1]));
  const counts = /(\d+) packets transmitted, (\d+) packets received/.exec(out);
  const sent = counts ? Number(counts[1]) : PING_COUNT;
  const received = counts ? Number(counts[2]) : rtts.length;
  return {
    sent,
    received,
    lossPercent: sent > 0 ? Math.round((1000 * (sent - received)) / sent) / 10 : 100,
    medianMs: rtts.length ? round(median(rtts), 3) : null,
    p99Ms: rtts.length ? round(percentile(rtts, 99), 3) : null,
  };
}

/** Makes B's file and starts its web server (once per guest). */
export async function serveFile(b: GuestShell): Promise<void> {
  // 64 KiB of random bytes repeated: the path never compresses, and it takes a quarter of the
  // guest time of reading 4 MiB from /dev/urandom.
  const chunks = FILE_KIB / 64;
  await b.run(`dd if=/dev/urandom of=/root/c bs=1024 count=64 2>/dev/null; for i in $(seq ${chunks}); do cat /root/c; done > /root/f; rm /root/c`, 60_000);
  await b.run(`httpd -p ${HTTP_PORT} -h /root`, 10_000);
}

/** Bound of the warm-up transfer, in seconds. */
export const WARM_UP_S = 15;

/** Unrecorded transfers before the measured ones. */
export const WARM_UP_TRANSFERS = 3;

/** Unrecorded transfers first: v86 compiles the guest's hot paths as they run, and with a single
 * warm-up transfer the three measured runs still rose run after run (nic1500 direct 3.2, 2.8,
 * 5.1 MiB/s; page-direct 1.7, 2.2, 4.3 on 2026-12-05), so whichever configuration ran first or
 * had the slower JIT looked slow. */
export async function warmUp(a: GuestShell, b: GuestShell): Promise<void> {
  for (let i = 0; i < WARM_UP_TRANSFERS; i++) {
    await a.run(`timeout ${WARM_UP_S} wget -q -O /dev/null http://${b.ip}:${HTTP_PORT}/f`, (WARM_UP_S + 15) * 1000).catch(() => '');
  }
}

/** Pings B from A: `PING_COUNT` pings `PING_INTERVAL_S` apart. */
export async function measurePing(a: GuestShell, b: GuestShell): Promise<PingFigures> {
  const boundMs = (PING_COUNT * PING_INTERVAL_S + 10) * 1000;
  const out = await a.run(`ping -c ${PING_COUNT} -i ${PING_INTERVAL_S} -W 3 ${b.ip}`, boundMs).catch(() => '');
  return parsePing(out);
}

/** Fetches B's file from A with wget, timed by A's own clock (/proc/uptime, 10 ms steps) around
 * the transfer: v86 keeps guest time with the host's, and the host's time from typing the command
 * to reading its end marker also counts the typing and the screen reads, which are slower on some
 * paths (a page's terminal) than others. The host's figure is kept too. A transfer cut by the
 * guest's bound still yields a rate: the bytes that arrived over the bound. */
export async function measureTransfer(a: GuestShell, b: GuestShell): Promise<TransferFigures> {
  const t0 = performance.now();
  // wc counts what arrived even when timeout kills wget; wget's exit code goes to stderr.
  const cmd =
    `read u0 x < /proc/uptime; { timeout ${WGET_TIMEOUT_S} wget -q -O - http://${b.ip}:${HTTP_PORT}/f; echo rc=$? >&2; } | wc -c; ` +
    `read u1 x < /proc/uptime; echo "uptime=$u0,$u1"`;
  const out = await a.run(cmd, (WGET_TIMEOUT_S + 20) * 1000).catch(() => null);
  const hostSeconds = round((performance.now() - t0) / 1000, 2);
  if (out === null) return { seconds: null, hostSeconds, mibPerSecond: null, bytes: null, outcome: 'hung' };
  const rc = Number(/rc=(\d+)/.exec(out)?.[1] ?? -1);
  const bytes = Number(/^\s*(\d+)\s*$/m.exec(out)?.[1] ?? NaN);
  const up = /uptime=([\d.]+),([\d.]+)/.exec(out);
  const seconds = up ? round(Number(up[2]) - Number(up[1]), 2) : hostSeconds;
  const rate = Number.isFinite(bytes) && seconds > 0 ? round(bytes / 1048576 / seconds, 3) : null;
  // busybox timeout kills with SIGTERM: the shell reports 143.
  if (rc === 143 || rc === 124) return { seconds, hostSeconds, mibPerSecond: rate, bytes, outcome: 'timeout' };
  if (rc !== 0 || bytes !== FILE_KIB * 1024) return { seconds: null, hostSeconds, mibPerSecond: null, bytes: Number.isFinite(bytes) ? bytes : null, outcome: 'failed' };
  return { seconds, hostSeconds, mibPerSecond: rate, bytes, outcome: 'ok' };
}

/** The guest's TCP segments retransmitted so far (RetransSegs in /proc/net/snmp), or null.
 * awk prints the one number: the table's own lines are wider than a page's terminal. */
export async function tcpRetransmits(g: GuestShell): Promise<number | null> {
  const script = `/^Tcp:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "RetransSegs") c = i; h = 1 } else print "retx=" $c }`;
  const out = await g.run(`awk '${script}' /proc/net/snmp`, 10_000).catch(() => '');
  const m = /^retx=(\d+)\s*$/m.exec(out);
  return m ? Number(m[1]) : null;
}

/** The MTU of the guest's LAN interface (tap0 or eth0) as the guest has it set, or null. */
export async function guestMtu(g: GuestShell): Promise<number | null> {
  const out = await g.run('cat /sys/class/net/tap0/mtu /sys/class/net/eth0/mtu 2>/dev/null | sed s/^/mtu=/', 10_000).catch(() => '');
  const m = /^mtu=(\d+)\s*$/m.exec(out);
  return m ? Number(m[1]) : null;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
