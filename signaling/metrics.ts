// Counters of the signaling server, rendered in the Prometheus text format for /metrics.

/** Gauges read at scrape time. */
export interface Gauges {
  connections: number;
  rooms: number;
  peers: number;
  peersHeld: number;
}

type Labelled = Map<string, number>;

/** The server's counters; tests read them directly, /metrics renders them. */
export class SignalingMetrics {
  joins = 0;
  resumes = 0;
  leaves = 0;
  signalsRelayed = 0;
  signalsHeld = 0;
  readonly received: Labelled = new Map();
  readonly errors: Labelled = new Map();
  readonly closes: Labelled = new Map();

  /** Counts one received message by type (`invalid` when it did not parse). */
  countReceived(type: string): void {
    bump(this.received, type);
  }

  /** Counts one error by code (ERR_* sent to a client, or a close reason). */
  countError(code: string): void {
    bump(this.errors, code);
  }

  /** Counts one server-initiated close by WebSocket close code. */
  countClose(code: number): void {
    bump(this.closes, String(code));
  }

  /** Number of errors counted under `code` (0 when none). */
  errorCount(code: string): number {
    return this.errors.get(code) ?? 0;
  }

  /** Renders every counter, the gauges and process memory as Prometheus text. */
  render(g: Gauges): string {
    const mem = process.memoryUsage();
    const out: string[] = [];
    const metric = (name: string, type: string, help: string, lines: string[]) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...lines);
    };
    const one = (name: string, type: string, help: string, v: number) => metric(name, type, help, [`${name} ${v}`]);
    const labelled = (name: string, help: string, label: string, m: Labelled) =>
      metric(name, 'counter', help, [...m].sort().map(([k, v]) => `${name}{${label}="${k}"} ${v}`));
    one('signaling_connections', 'gauge', 'Open WebSocket connections.', g.connections);
    one('signaling_rooms', 'gauge', 'Rooms with at least one member.', g.rooms);
    one('signaling_peers', 'gauge', 'Connected room members.', g.peers);
    one('signaling_peers_held', 'gauge', 'Members dropped and held for a resume.', g.peersHeld);
    one('signaling_joins_total', 'counter', 'Successful joins, resumes included.', this.joins);
    one('signaling_resumes_total', 'counter', 'Joins that resumed a held peer.', this.resumes);
    one('signaling_leaves_total', 'counter', 'Members that left a room for good.', this.leaves);
    one('signaling_signals_relayed_total', 'counter', 'Signals delivered to a connected peer.', this.signalsRelayed);
    one('signaling_signals_held_total', 'counter', 'Signals held for a peer in its grace period.', this.signalsHeld);
    labelled('signaling_messages_received_total', 'Client messages by type.', 'type', this.received);
    labelled('signaling_errors_total', 'Errors by code.', 'code', this.errors);
    labelled('signaling_closes_total', 'Server-initiated closes by WebSocket close code.', 'code', this.closes);
    const cpu = process.cpuUsage();
    one('process_cpu_seconds_total', 'counter', 'User and system CPU time.', (cpu.user + cpu.system) / 1e6);
    one('process_resident_memory_bytes', 'gauge', 'Resident set size.', mem.rss);
    one('nodejs_heap_used_bytes', 'gauge', 'V8 heap in use.', mem.heapUsed);
    return out.join('\n') + '\n';
  }
}

function bump(m: Labelled, key: string): void {
  m.set(key, (m.get(key) ?? 0) + 1);
}
