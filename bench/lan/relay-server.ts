// The WebSocket relay of bench:lan, run as a process of its own (as jslinux-tap's server is), so it
// does not share an event loop with the emulators: every binary message from one client goes to
// every other client. Prints `{"port":n}` once listening on 127.0.0.1.
import { WebSocket, WebSocketServer } from 'ws';
import { MAX_FRAME_BYTES } from '../../src/p2p/peer-link.ts';

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: MAX_FRAME_BYTES });
const clients = new Set<WebSocket>();
wss.on('connection', (ws) => {
  ws.on('error', () => {});
  clients.add(ws);
  ws.on('close', () => clients.delete(ws));
  ws.on('message', (data, isBinary) => {
    if (!isBinary) return;
    for (const other of clients) if (other !== ws && other.readyState === WebSocket.OPEN) other.send(data as Buffer);
  });
});
wss.on('listening', () => process.stdout.write(JSON.stringify({ port: (wss.address() as { port: number }).port }) + '\n'));
// The bench closes stdin when done (or dies): either way the relay goes too.
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
