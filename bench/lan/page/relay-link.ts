// The page's side of the relay path: the guest's frames, one binary message each, over a
// WebSocket to bench/lan/relay-server.ts, which forwards them to the other page. Sending drops
// over the same queue limit as a data channel (and as relayPair in Node), counted by reason, so
// the relay and WebRTC paths differ only in transport.
import { MAX_BUFFERED_BYTES } from '../../../src/p2p/peer-link.ts';
import type { FramePort } from '../../../src/vm/types.ts';

/** A relay connection: `send` carries one frame, `dropped` counts what it did not. */
export interface RelayLink {
  send(frame: Uint8Array): void;
  readonly dropped: Record<string, number>;
  /** Resolves when the socket is open; until then frames are dropped as `notOpen`. */
  readonly opened: Promise<void>;
}

/** Opens a WebSocket to `url`; every message from it goes to `port` (towards the guest). */
export function openRelay(url: string, port: FramePort): RelayLink {
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  const dropped: Record<string, number> = {};
  const drop = (reason: string) => void (dropped[reason] = (dropped[reason] ?? 0) + 1);
  ws.onmessage = (ev) => {
    if (ev.data instanceof ArrayBuffer) port.send(new Uint8Array(ev.data));
  };
  const opened = new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error(`ERR_RELAY: could not open ${url}`));
  });
  return {
    dropped,
    opened,
    send(frame) {
      if (ws.readyState !== WebSocket.OPEN) return drop('notOpen');
      if (ws.bufferedAmount + frame.byteLength > MAX_BUFFERED_BYTES) return drop('bufferFull');
      ws.send(frame);
    },
  };
}
