// The gateway's /metrics: frames and bytes each way through the tap, drops by reason, peers,
// rendered in the Prometheus text format from live counters (nothing is copied per frame).
import type { FramePortCounters } from '../src/vm/types.ts';

/** Everything /metrics reads, at scrape time. */
export interface GatewaySnapshot {
  /** The tap's own counters (framesIn = written to the tap, framesOut = read from it). */
  readonly tap: FramePortCounters;
  /** Drops at the gateway before the switch, by reason (spoof filter, rate limit). */
  readonly ingressDrops: Readonly<Record<string, number>>;
  /** Drops inside the switch, by reason, summed over its ports. */
  readonly switchDrops: Readonly<Record<string, number>>;
  /** Members of the room with an open link, and all members. */
  readonly peersOpen: number;
  readonly peers: number;
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** Renders a snapshot as Prometheus text (version 0.0.4). */
export function renderMetrics(s: GatewaySnapshot): string {
  const out: string[] = [];
  const metric = (name: string, type: string, help: string, lines: string[]) => out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...lines);
  metric('gateway_frames_total', 'counter', 'Frames through the tap: to_host written to it, from_host read from it.', [
    `gateway_frames_total{direction="to_host"} ${s.tap.framesIn}`,
    `gateway_frames_total{direction="from_host"} ${s.tap.framesOut}`,
  ]);
  metric('gateway_bytes_total', 'counter', 'Bytes through the tap, by direction.', [
    `gateway_bytes_total{direction="to_host"} ${s.tap.bytesIn}`,
    `gateway_bytes_total{direction="from_host"} ${s.tap.bytesOut}`,
  ]);
  const drops: string[] = [];
  const add = (where: string, m: Readonly<Record<string, number>>) => {
    for (const [reason, n] of Object.entries(m).sort()) drops.push(`gateway_drops_total{where="${where}",reason="${escapeLabel(reason)}"} ${n}`);
  };
  add('ingress', s.ingressDrops);
  add('switch', s.switchDrops);
  add('tap', s.tap.dropped);
  metric('gateway_drops_total', 'counter', 'Frames dropped, by where and why.', drops);
  metric('gateway_peers', 'gauge', 'Room members, by link state.', [`gateway_peers{link="open"} ${s.peersOpen}`, `gateway_peers{link="any"} ${s.peers}`]);
  return `${out.join('\n')}\n`;
}
