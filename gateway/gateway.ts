// The gateway peer: a RoomNode of kind `gateway` whose local port is a tap on br1, with the spoof
// filter and the optional rate limit in front of the switch, and /metrics.
//
//   peers ──data channels──> [spoof filter, rate limit] ──> switch ──> tap ──> br1 ──> host NAT
//   peers <──data channels── switch <── tap <── br1
import { readFileSync, writeFileSync } from 'node:fs';
import { isPeerId, isResumeToken } from '../src/net/signal-ids.ts';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { nodeWrtc } from '../src/p2p/node-webrtc.ts';
import { RoomNode } from '../src/p2p/room-node.ts';
import type { WebSocketConstructor } from '../src/p2p/signaling-client.ts';
import { renderMetrics } from './metrics.ts';
import { PeerRateLimiter } from './rate-limit.ts';
import { SpoofFilter } from './spoof-filter.ts';
import { openTap, type Tap } from './tap.ts';

/** Everything the gateway needs to run. */
export interface GatewayOptions {
  /** Signaling WebSocket URL, e.g. `wss://host/signal`. */
  readonly url: string;
  readonly room: string;
  /** Bridge the tap joins; default `br1`. */
  readonly bridge?: string;
  /** Tap name or template; default `pltap%d`. */
  readonly tapName?: string;
  readonly mtu?: number;
  /** MAC announced to the room; default the bridge's own (what the host's frames carry). */
  readonly mac?: string;
  /** Per-peer frames/s limit; off when absent. */
  readonly rateLimit?: number;
  /** host:port for /metrics; none when absent. Port 0 picks one (read it from `metricsAddress`). */
  readonly metrics?: { readonly host: string; readonly port: number };
  /** File keeping the peer id and resume token, so a restarted gateway (even after SIGKILL) resumes
   * its place instead of meeting ERR_GATEWAY_PRESENT while the server holds the old one. */
  readonly stateFile?: string;
}

/** A running gateway. */
export interface Gateway {
  readonly node: RoomNode;
  readonly tap: Tap;
  readonly filter: SpoofFilter;
  /** Where /metrics listens, once listening. */
  metricsAddress(): AddressInfo | null;
  /** Current /metrics text. */
  metricsText(): string;
  /** Leaves the room, closes /metrics and the tap (which deletes it). */
  close(): Promise<void>;
}

// A kept peer id and token for this room, if the file holds valid ones.
function readResume(file: string | undefined): { peerId?: string; resumeToken?: string } {
  if (!file) return {};
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { peerId?: unknown; resumeToken?: unknown };
    if (isPeerId(saved.peerId) && isResumeToken(saved.resumeToken)) return { peerId: saved.peerId, resumeToken: saved.resumeToken };
  } catch {
    // no file yet, or a broken one: join afresh
  }
  return {};
}

/** Reads a bridge's MAC from sysfs; throws ERR_NO_BRIDGE if there is no such interface. */
export function bridgeMac(bridge: string): string {
  try {
    return readFileSync(`/sys/class/net/${bridge}/address`, 'utf8').trim();
  } catch {
    throw Object.assign(new Error(`no interface ${bridge}: run gateway/host-setup.sh first`), { code: 'ERR_NO_BRIDGE' });
  }
}

/** Opens the tap, joins the room as its gateway and starts /metrics. */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const bridge = options.bridge ?? 'br1';
  const mac = options.mac ?? bridgeMac(bridge);
  const tap = openTap({ name: options.tapName, bridge, mtu: options.mtu });
  const filter = new SpoofFilter();
  const limiter = options.rateLimit ? new PeerRateLimiter({ framesPerSecond: options.rateLimit }) : null;
  let rateLimited = 0;
  const node = new RoomNode({
    url: options.url,
    room: options.room,
    mac,
    port: tap,
    kind: 'gateway',
    wrtc: nodeWrtc,
    signaling: { WebSocket: WebSocket as unknown as WebSocketConstructor, ...readResume(options.stateFile) },
    ingressFilter: (peerId, frame) => {
      const reason = filter.check(peerId, frame);
      if (reason !== null) return reason;
      if (limiter && !limiter.allow(peerId)) {
        rateLimited++;
        return 'rateLimited';
      }
      return null;
    },
  });
  if (options.stateFile) {
    const file = options.stateFile;
    node.client.on('welcome', (w) => {
      writeFileSync(file, JSON.stringify({ room: options.room, peerId: w.peerId, resumeToken: w.resumeToken }), { mode: 0o600 });
    });
  }
  // Who may send as what follows signaling: each member's leased address and announced MAC.
  const known = new Set<string>();
  node.on('change', () => {
    const seen = new Set<string>();
    for (const p of node.state().peers) {
      if (!p.mac) continue;
      seen.add(p.peerId);
      filter.setPeer(p.peerId, { mac: p.mac, ip: p.ip });
      known.add(p.peerId);
    }
    for (const id of known) {
      if (seen.has(id)) continue;
      known.delete(id);
      filter.removePeer(id);
      limiter?.remove(id);
    }
  });

  const metricsText = () => {
    const switchDrops: Record<string, number> = {};
    for (const { id } of node.switch.portIds()) {
      for (const [r, n] of Object.entries(node.switch.counters(id)?.dropped ?? {})) switchDrops[r] = (switchDrops[r] ?? 0) + n;
    }
    const peers = node.state().peers;
    return renderMetrics({
      tap: tap.counters,
      ingressDrops: { ...filter.dropped, rateLimited },
      switchDrops,
      peers: peers.length,
      peersOpen: peers.filter((p) => p.link === 'open').length,
    });
  };

  let server: Server | null = null;
  if (options.metrics) {
    server = createServer((req, res) => {
      if (req.method === 'GET' && req.url === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metricsText());
      } else {
        res.writeHead(404).end();
      }
    });
    const s = server;
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(options.metrics!.port, options.metrics!.host, () => resolve());
    });
  }

  return {
    node,
    tap,
    filter,
    metricsAddress: () => (server?.address() as AddressInfo | null) ?? null,
    metricsText,
    async close() {
      node.close();
      tap.close();
      if (server) await new Promise((r) => server!.close(r));
    },
  };
}
