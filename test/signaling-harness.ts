// Test helpers for the signaling tests: a server on port 0 and raw `ws` clients that queue what
// they receive, so tests can await messages in order and assert that nothing else arrived.
import { WebSocket } from 'ws';
import type { ClientOptions } from 'ws';
import { createRoomId } from '../src/net/signal-ids.ts';
import { createSignalingServer } from '../signaling/server.ts';
import type { SignalingServer } from '../signaling/server.ts';
import type { SignalingOptions } from '../signaling/options.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Msg = Record<string, any>;

/** A started server and its WebSocket URL. */
export interface Started {
  server: SignalingServer;
  port: number;
  url: string;
}

/** Starts a quiet signaling server on 127.0.0.1, port 0 unless told. */
export async function startServer(options: SignalingOptions = {}, wantPort = 0): Promise<Started> {
  const server = createSignalingServer({ log: false, ...options });
  const port = await server.listen(wantPort, '127.0.0.1');
  return { server, port, url: `ws://127.0.0.1:${port}/signal` };
}

/** A raw client that records every message. */
export class TestClient {
  readonly received: Msg[] = [];
  private cursor = 0;
  private wake: (() => void) | null = null;
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('error', () => {});
    ws.on('message', (data, isBinary) => {
      this.received.push(isBinary ? { binary: true } : JSON.parse(data.toString()));
      this.wake?.();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      this.wake?.();
    }));
  }

  /** Opens a client to `url` and waits for the connection. */
  static open(url: string, options: ClientOptions = {}): Promise<TestClient> {
    const ws = new WebSocket(url, options);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new TestClient(ws)));
      ws.once('error', reject);
    });
  }

  /** Sends an object as JSON, or a string as is. */
  send(message: Msg | string): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The next message not yet taken, waiting for it if needed; rejects if the socket closes first
   * or nothing comes within `limitMs` (so a broken server fails a test instead of hanging it). */
  async next(limitMs = 5000): Promise<Msg> {
    const end = Date.now() + limitMs;
    while (this.cursor >= this.received.length) {
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error('closed while waiting for a message');
      const left = end - Date.now();
      if (left <= 0) throw new Error('no message arrived');
      await new Promise<void>((r) => {
        const timer = setTimeout(r, left);
        this.wake = () => {
          clearTimeout(timer);
          r();
        };
      });
      this.wake = null;
    }
    return this.received[this.cursor++];
  }

  /** Messages received and not yet taken. */
  unread(): Msg[] {
    return this.received.slice(this.cursor);
  }

  /** Round trip: sends ping and takes messages up to its pong; returns what came before it. */
  async sync(): Promise<Msg[]> {
    this.send({ type: 'ping' });
    const before: Msg[] = [];
    for (;;) {
      const m = await this.next();
      if (m.type === 'pong') return before;
      before.push(m);
    }
  }

  close(code = 1000): void {
    this.ws.close(code);
  }
}

/** Opens a client and joins `room`; returns the client and its welcome. */
export async function joinRoom(url: string, room: string, extra: Msg = {}): Promise<{ c: TestClient; welcome: Msg }> {
  const c = await TestClient.open(url);
  c.send({ type: 'join', room, kind: 'vm', ...extra });
  const welcome = await c.next();
  if (welcome.type !== 'welcome') throw new Error('expected welcome, got ' + JSON.stringify(welcome));
  return { c, welcome };
}

/** Waits until `check` is true, polling; throws after `limitMs` so a broken server fails instead of hanging. */
export async function until(check: () => boolean, limitMs = 5000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A fresh room id. */
export const newRoom = createRoomId;
