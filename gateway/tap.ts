// The gateway's tap as a FramePort: `send` writes a frame towards the host (br1), `onFrame`
// delivers frames the host sent into the room.
//
//   room switch ── send ──> tap.node write(2) ──> tapN ──> br1 ──> host NAT
//   room switch <── onFrame <── uv_poll read(2) <── tapN <── br1
//
// The native addon (gateway/native/tap.c) opens the device non-blocking and non-persistent, so the
// kernel deletes the tap when this process ends, however it ends.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FramePort, FramePortCounters } from '../src/vm/types.ts';
import { ETHERNET_HEADER_BYTES } from '../src/net/ethernet.ts';

/** Largest frame carried: a 9000-byte MTU, the Ethernet header and one VLAN tag. */
export const MAX_FRAME_BYTES = 9018;
/** Name template of the tap when none is given; the kernel fills in `%d`. */
export const DEFAULT_TAP_NAME = 'pltap%d';

const ADDON_PATH = join(dirname(fileURLToPath(import.meta.url)), 'native', 'build', 'Release', 'tap.node');
const EAGAIN = 11;

interface TapAddon {
  open(name: string, bridge: string, mtu: number): [unknown, number, string];
  start(handle: unknown, callback: (frames: Buffer[] | number) => void): void;
  write(handle: unknown, frame: Uint8Array): number;
  close(handle: unknown): void;
}

let addon: TapAddon | undefined;

function loadAddon(): TapAddon {
  if (addon) return addon;
  if (!existsSync(ADDON_PATH)) {
    throw Object.assign(new Error(`tap addon not built (${ADDON_PATH}); run \`npm ci\` or \`node gateway/native/build.mjs\` on Linux`), {
      code: 'ERR_TAP_ADDON_MISSING',
    });
  }
  addon = createRequire(import.meta.url)(ADDON_PATH) as TapAddon;
  return addon;
}

/** How to open a tap. */
export interface TapOptions {
  /** Interface name or template with `%d`; default DEFAULT_TAP_NAME. At most 15 characters. */
  readonly name?: string;
  /** Bridge to attach the tap to (e.g. `br1`); none when empty or absent. */
  readonly bridge?: string;
  /** Interface MTU; the kernel default (1500) when absent. */
  readonly mtu?: number;
}

/** An open tap device: a FramePort plus its name and `close`. */
export interface Tap extends FramePort {
  /** The interface name the kernel gave the tap. */
  readonly name: string;
  /** True once closed (by `close` or a fatal read error); the kernel has deleted the tap by then. */
  readonly closed: boolean;
  /** Stops reading and closes the device, which deletes the interface; idempotent. */
  close(): void;
}

/** Opens a non-persistent tap, optionally attached to a bridge and brought up; throws ERR_TAP_* on failure. */
export function openTap(options: TapOptions = {}): Tap {
  const name = options.name ?? DEFAULT_TAP_NAME;
  if (name.length === 0 || name.length > 15 || !/^[A-Za-z0-9_.%-]+$/.test(name)) {
    throw Object.assign(new TypeError(`bad interface name ${JSON.stringify(name)}`), { code: 'ERR_TAP_NAME' });
  }
  const bridge = options.bridge ?? '';
  if (bridge.length > 15) throw Object.assign(new TypeError(`bad bridge name ${JSON.stringify(bridge)}`), { code: 'ERR_TAP_NAME' });
  const mtu = options.mtu ?? 0;
  if (!Number.isInteger(mtu) || (mtu !== 0 && (mtu < 68 || mtu > MAX_FRAME_BYTES - 18))) {
    throw Object.assign(new RangeError(`mtu ${mtu} outside 68..9000`), { code: 'ERR_TAP_MTU' });
  }
  const native = loadAddon();
  const [handle, , actualName] = native.open(name, bridge, mtu);
  const counters: FramePortCounters = { framesIn: 0, bytesIn: 0, framesOut: 0, bytesOut: 0, dropped: {} };
  const listeners = new Set<(frame: Uint8Array) => void>();
  let closed = false;
  const drop = (reason: string) => {
    counters.dropped[reason] = (counters.dropped[reason] ?? 0) + 1;
  };

  const deliver = (frames: Buffer[] | number) => {
    if (typeof frames === 'number') {
      // A read error on a tap means the device is gone (EBADFD, EIO): nothing more will come.
      // Closed on the next turn: not from inside the native callback that is delivering this.
      drop('readError');
      setImmediate(() => tap.close());
      return;
    }
    for (const frame of frames) {
      if (frame.length < ETHERNET_HEADER_BYTES) {
        drop('runt');
        continue;
      }
      if (frame.length > MAX_FRAME_BYTES) {
        drop('oversize');
        continue;
      }
      counters.framesOut++;
      counters.bytesOut += frame.length;
      if (listeners.size === 0) {
        drop('noListener');
        continue;
      }
      for (const listener of listeners) listener(frame);
    }
  };

  const tap: Tap = {
    name: actualName,
    counters,
    get closed() {
      return closed;
    },
    send(frame) {
      if (closed) return drop('closed');
      if (frame.length < ETHERNET_HEADER_BYTES) return drop('runt');
      if (frame.length > MAX_FRAME_BYTES) return drop('oversize');
      const n = native.write(handle, frame);
      if (n === -EAGAIN) return drop('kernelBusy');
      if (n !== frame.length) return drop('writeError');
      counters.framesIn++;
      counters.bytesIn += frame.length;
    },
    onFrame(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      if (closed) return;
      closed = true;
      native.close(handle);
    },
  };
  native.start(handle, deliver);
  return tap;
}
