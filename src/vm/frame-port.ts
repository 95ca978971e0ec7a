// A FramePort with its counters: the host side delivers guest frames into it, and callers'
// frames go out through a transmit function that may refuse them with a drop reason.
import type { FramePort, FramePortCounters } from './types.ts';

/** The host's side of a frame port: hands a frame from the guest to the port's listeners. */
export interface FramePortSink {
  deliver(frame: Uint8Array): void;
}

/** Creates a port whose `send` calls `transmit` (null = sent, a string = dropped for that reason). */
export function createFramePort(transmit: (frame: Uint8Array) => string | null): [FramePort, FramePortSink] {
  const counters: FramePortCounters = { framesIn: 0, bytesIn: 0, framesOut: 0, bytesOut: 0, dropped: {} };
  const listeners = new Set<(frame: Uint8Array) => void>();
  const drop = (reason: string) => {
    counters.dropped[reason] = (counters.dropped[reason] ?? 0) + 1;
  };
  const port: FramePort = {
    counters,
    send(frame) {
      const reason = transmit(frame);
      if (reason !== null) return drop(reason);
      counters.framesIn++;
      counters.bytesIn += frame.length;
    },
    onFrame(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const sink: FramePortSink = {
    deliver(frame) {
      counters.framesOut++;
      counters.bytesOut += frame.length;
      if (listeners.size === 0) return drop('no-listener');
      for (const l of listeners) l(frame);
    },
  };
  return [port, sink];
}
