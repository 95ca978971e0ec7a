// `npm start` / `npm run serve`: one HTTP server on PORT (default 8080) and HOST (default
// 0.0.0.0) serving the built app from dist/, /healthz, /metrics, and the signaling WebSocket at
// /signal. SIGTERM and SIGINT close every client with 1001 and exit. The environment it reads is
// listed in env.ts; a bad value stops it at start (exit code 2) with a line naming the variable.
import { createServer } from 'node:http';
import { readServerEnv, ServerEnvError } from './env.ts';
import type { ServerEnv } from './env.ts';
import { createSignalingServer } from './server.ts';
import type { SignalingServer } from './server.ts';
import { createStaticHandler } from './static.ts';

let env: ServerEnv;
try {
  env = readServerEnv(process.env);
} catch (err) {
  if (!(err instanceof ServerEnvError)) throw err;
  process.stderr.write(`peerlinux server: ${err.message}\n`);
  process.stdout.write(JSON.stringify({ time: new Date().toISOString(), event: 'bad-env', code: err.code, variable: err.variable }) + '\n');
  process.exit(2);
}
const { port, host, distDir } = env;

const serveStatic = createStaticHandler(distDir);
let signaling: SignalingServer | undefined;
const httpServer = createServer((req, res) => {
  if (signaling?.handleHttp(req, res)) return;
  serveStatic(req, res);
});
signaling = createSignalingServer({ server: httpServer, log: env.log, resumeGraceMs: env.resumeGraceMs, mtu: env.mtu });

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
  process.stdout.write(JSON.stringify({ time: new Date().toISOString(), event: 'listening', host, port: actual, dist: distDir, mtu: env.mtu }) + '\n');
});
