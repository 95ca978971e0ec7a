// `npm start` / `npm run serve`: one HTTP server on PORT (default 8080) and HOST (default
// 0.0.0.0) serving the built app from dist/, /healthz, /metrics, and the signaling WebSocket at
// /signal. SIGTERM and SIGINT close every client with 1001 and exit.
//
// Environment: PORT, HOST, DIST_DIR (default ./dist), SIGNALING_LOG=0 to silence the event log,
// SIGNALING_GRACE_MS (how long a dropped peer keeps its id and address; default 30000).
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { createSignalingServer } from './server.ts';
import type { SignalingServer } from './server.ts';
import { createStaticHandler } from './static.ts';

const DEFAULT_PORT = 8080;
const DEFAULT_HOST = '0.0.0.0';

const port = Number(process.env.PORT ?? DEFAULT_PORT);
const host = process.env.HOST ?? DEFAULT_HOST;
const distDir = resolve(process.env.DIST_DIR ?? 'dist');
const logOn = process.env.SIGNALING_LOG !== '0';
const resumeGraceMs = process.env.SIGNALING_GRACE_MS ? Number(process.env.SIGNALING_GRACE_MS) : undefined;

const serveStatic = createStaticHandler(distDir);
let signaling: SignalingServer | undefined;
const httpServer = createServer((req, res) => {
  if (signaling?.handleHttp(req, res)) return;
  serveStatic(req, res);
});
signaling = createSignalingServer({ server: httpServer, log: logOn, resumeGraceMs });

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  const s = signaling;
  if (s) await s.close();
  httpServer.closeAllConnections();
  httpServer.close(() => {
    // The listening line and this one are printed even with the event log off: operators need them.
    process.stdout.write(JSON.stringify({ time: new Date().toISOString(), event: 'stopped', signal }) + '\n');
    process.exit(0);
  });
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

httpServer.listen(port, host, () => {
  const addr = httpServer.address();
  const actual = typeof addr === 'object' && addr ? addr.port : port;
  process.stdout.write(JSON.stringify({ time: new Date().toISOString(), event: 'listening', host, port: actual, dist: distDir }) + '\n');
});
