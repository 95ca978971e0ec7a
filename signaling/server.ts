// The signaling server: a WebSocket endpoint (default path /signal) plus /healthz and /metrics,
// on its own HTTP server or attached to one that also serves the app.
//
//   client ──ws──> upgrade (path, connection limit) ──> handler.ts gate ──> rooms.ts ──> room peers
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import type { Conn, Context } from './handler.ts';
import { closeWith, handleClose, handleMessage } from './handler.ts';
import { createLogger } from './log.ts';
import type { Gauges } from './metrics.ts';
import { SignalingMetrics } from './metrics.ts';
import type { SignalingOptions } from './options.ts';
import { resolveOptions } from './options.ts';
import { TokenBucket } from './rate-limit.ts';
import { RoomRegistry } from './rooms.ts';

/** How long `close()` waits for clients to finish the close handshake before cutting them off. */
export const SHUTDOWN_GRACE_MS = 1000;

// ws error codes mapped to the counter they land in; ws itself closes with 1009/1007/1002.
const WS_ERROR_CODES: Record<string, string> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 'ERR_TOO_LARGE',
  WS_ERR_INVALID_UTF8: 'ERR_BAD_UTF8',
};

/** A running signaling server. */
export interface SignalingServer {
  readonly metrics: SignalingMetrics;
  readonly wss: WebSocketServer;
  /** The HTTP server it listens on (its own, or the one passed in `options.server`). */
  readonly httpServer: Server;
  /** Serves /healthz and /metrics; returns false for any other path. */
  handleHttp(req: IncomingMessage, res: ServerResponse): boolean;
  /** Listens on `port` (0 picks a free one) and resolves with the port. */
  listen(port?: number, host?: string): Promise<number>;
  /** The current gauges (connections, rooms, peers, held peers). */
  gauges(): Gauges;
  /** Cuts a connected peer's socket as a network failure would (no close frame): the peer is held
   * for its grace period and may resume. For operators and tests; false if it is not connected. */
  terminatePeer(roomId: string, peerId: string): boolean;
  /** Closes every client with 1001, drops all rooms and stops the HTTP server if it owns it. */
  close(): Promise<void>;
}

function pathnameOf(url: string | undefined): string {
  const q = (url ?? '/').indexOf('?');
  return q === -1 ? (url ?? '/') : (url ?? '/').slice(0, q);
}

/** Creates the signaling server; see SignalingOptions for every limit and its default. */
export function createSignalingServer(options: SignalingOptions = {}): SignalingServer {
  const opts = resolveOptions(options);
  const metrics = new SignalingMetrics();
  const log = createLogger(opts.log);
  const ctx: Context = { opts, metrics, log, registry: new RoomRegistry(opts.maxRooms), conns: new Map<WebSocket, Conn>() };
  const ownServer = !opts.server;
  const httpServer = opts.server ?? createServer((req, res) => {
    if (!handleHttp(req, res)) res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxPayload, perMessageDeflate: false, clientTracking: false });
  let closing = false;

  function gauges(): Gauges {
    let peers = 0;
    let peersHeld = 0;
    for (const room of ctx.registry.rooms.values()) {
      for (const m of room.members.values()) m.socket ? peers++ : peersHeld++;
    }
    return { connections: ctx.conns.size, rooms: ctx.registry.rooms.size, peers, peersHeld };
  }

  function handleHttp(req: IncomingMessage, res: ServerResponse): boolean {
    const path = pathnameOf(req.url);
    if (path === '/healthz') {
      const body = JSON.stringify({ status: closing ? 'closing' : 'ok', ...gauges() }) + '\n';
      res.writeHead(closing ? 503 : 200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(body);
      return true;
    }
    if (path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' });
      res.end(metrics.render(gauges()));
      return true;
    }
    return false;
  }

  function refuse(socket: Duplex, status: string): void {
    socket.on('error', () => {});
    socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  }

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (pathnameOf(req.url) !== opts.path) {
      // Leave other paths to other upgrade listeners (a dev server's HMR); refuse if there are none.
      if (httpServer.listenerCount('upgrade') === 1) refuse(socket, '404 Not Found');
      return;
    }
    if (closing || ctx.conns.size >= opts.maxConnections) {
      metrics.countError('ERR_SERVER_FULL');
      refuse(socket, '503 Service Unavailable');
      return;
    }
    wss.handleUpgrade(req, socket, head, onConnection);
  }

  function onConnection(ws: WebSocket): void {
    const conn: Conn = { member: null, bucket: new TokenBucket(opts.maxMessagesPerSecond, opts.messageBurst, opts.now), alive: true, missed: 0, closing: false };
    ws.on('error', (err: Error & { code?: string }) => {
      metrics.countError(WS_ERROR_CODES[err.code ?? ''] ?? 'ERR_WS_PROTOCOL');
      log('error', { code: err.code ?? 'ERR_WS', message: err.message });
    });
    ctx.conns.set(ws, conn);
    ws.on('message', (data, isBinary) => {
      try {
        handleMessage(ctx, ws, conn, data, isBinary);
      } catch (err) {
        metrics.countError('ERR_INTERNAL');
        log('error', { code: 'ERR_INTERNAL', message: String(err) });
        closeWith(ctx, ws, 1011, 'internal error');
      }
    });
    ws.on('pong', () => {
      conn.alive = true;
    });
    ws.on('close', (code) => {
      try {
        handleClose(ctx, ws, code);
      } catch (err) {
        metrics.countError('ERR_INTERNAL');
        log('error', { code: 'ERR_INTERNAL', message: String(err) });
      }
    });
  }

  // One timer for every connection: a client that answers neither of two pings is cut off.
  const heartbeat = setInterval(() => {
    for (const [ws, conn] of ctx.conns) {
      if (conn.alive) {
        conn.missed = 0;
      } else if (++conn.missed >= 2) {
        metrics.countError('ERR_HEARTBEAT');
        ws.terminate();
        continue;
      }
      conn.alive = false;
      ws.ping();
    }
  }, opts.heartbeatIntervalMs);
  heartbeat.unref();

  httpServer.on('upgrade', onUpgrade);

  async function close(): Promise<void> {
    if (closing) return;
    closing = true;
    clearInterval(heartbeat);
    httpServer.off('upgrade', onUpgrade);
    const sockets = [...ctx.conns.keys()];
    for (const ws of sockets) closeWith(ctx, ws, 1001, 'server shutting down');
    const deadline = Date.now() + SHUTDOWN_GRACE_MS;
    while (ctx.conns.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (const ws of ctx.conns.keys()) ws.terminate();
    for (const room of ctx.registry.rooms.values()) for (const m of room.members.values()) room.remove(m);
    ctx.registry.rooms.clear();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    if (ownServer && httpServer.listening) {
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    }
    log('shutdown', {});
  }

  function terminatePeer(roomId: string, peerId: string): boolean {
    const socket = ctx.registry.rooms.get(roomId)?.members.get(peerId)?.socket;
    if (!socket) return false;
    socket.terminate();
    return true;
  }

  function listen(port = 0, host = '127.0.0.1'): Promise<number> {
    return new Promise((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(port, host, () => {
        httpServer.off('error', reject);
        const addr = httpServer.address();
        resolve(typeof addr === 'object' && addr ? addr.port : port);
      });
    });
  }

  return { metrics, wss, httpServer, handleHttp, listen, gauges, terminatePeer, close };
}
