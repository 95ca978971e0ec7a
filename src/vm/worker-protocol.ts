// The typed messages between the page (worker-client.ts) and the emulator worker (worker.ts).
//
//   page ── boot / console-in / frame-in / resize / save / restore / stop ──> worker ── v86
//   page <── progress / stage / console-out / frame-out / saved / restored / error ── worker
//
// Byte payloads are ArrayBuffers passed in the transfer list, so they move rather than copy.
// Every message the guest's machine causes carries the boot `generation` it belongs to, so the
// page can drop what a machine it already reset still had in flight.
import { isConsoleSize } from './cmdline.ts';
import type { BootStage, ConsoleSize, LinkKind } from './types.ts';

/** Which of the guest's frame ports a frame belongs to. */
export type PortName = 'tty' | 'nic';

/** What the page asks the worker to boot; images and wasm are given as absolute URLs. */
export interface WorkerBootConfig {
  /** Absolute URL of the directory holding manifest.json and the guest images (trailing slash). */
  readonly imagesUrl: string;
  /** Absolute URL of v86.wasm; the worker's own bundled copy when omitted. */
  readonly wasmUrl?: string;
  readonly link: LinkKind;
  readonly mac: string;
  readonly mtu: number;
  readonly hostname: string;
  readonly memoryMiB?: number;
  /** The terminal's size at boot, so the guest's `stty` matches it. */
  readonly consoleSize?: ConsoleSize;
  readonly extraCmdline?: string;
  /** `auto` restores the template snapshot when the images have a usable one; `cold` always boots. */
  readonly boot?: 'auto' | 'cold';
}

/** Messages from the page to the worker. */
export type PageMessage =
  | { readonly type: 'boot'; readonly generation: number; readonly config: WorkerBootConfig }
  | { readonly type: 'console-in'; readonly bytes: ArrayBuffer }
  | { readonly type: 'frame-in'; readonly port: PortName; readonly frame: ArrayBuffer }
  /** The terminal's new size, cols and rows each 1 to 1000; the running guest and later boots take it. */
  | { readonly type: 'resize'; readonly cols: number; readonly rows: number }
  | { readonly type: 'save'; readonly id: number }
  | { readonly type: 'restore'; readonly id: number; readonly state: ArrayBuffer }
  | { readonly type: 'stop' };

/** Messages from the worker to the page. */
export type WorkerMessage =
  | { readonly type: 'progress'; readonly generation: number; readonly loadedBytes: number; readonly totalBytes: number }
  | { readonly type: 'stage'; readonly generation: number; readonly stage: BootStage }
  | { readonly type: 'console-out'; readonly generation: number; readonly bytes: ArrayBuffer }
  | { readonly type: 'frame-out'; readonly generation: number; readonly port: PortName; readonly frame: ArrayBuffer }
  | { readonly type: 'saved'; readonly id: number; readonly state: ArrayBuffer }
  | { readonly type: 'restored'; readonly id: number }
  | { readonly type: 'stopped' }
  | { readonly type: 'error'; readonly code: string; readonly message: string; readonly id?: number; readonly generation?: number };

/** The one thing both a Worker and the worker's global scope (and a MessagePort) can do. */
export interface MessageEndpoint {
  postMessage(message: unknown, transfer: Transferable[]): void;
  onmessage: ((event: MessageEvent) => void) | null;
}

/** A message that failed validation, with the code the receiver reports. */
export interface ProtocolError {
  readonly type: 'invalid';
  readonly code: 'ERR_BAD_MESSAGE';
  readonly message: string;
}

const LINK_KINDS: ReadonlySet<string> = new Set(['tty', 'nic', 'none']);
const PORT_NAMES: ReadonlySet<string> = new Set(['tty', 'nic']);
const BOOT_STAGES: ReadonlySet<string> = new Set(['loading', 'booting', 'kernel', 'userspace', 'prompt', 'stopped']);

function invalid(message: string): ProtocolError {
  return { type: 'invalid', code: 'ERR_BAD_MESSAGE', message };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isOptional(value: unknown, check: (v: unknown) => boolean): boolean {
  return value === undefined || check(value);
}

function parseBootConfig(c: unknown): WorkerBootConfig | undefined {
  if (!isRecord(c)) return undefined;
  const ok =
    typeof c.imagesUrl === 'string' &&
    isOptional(c.wasmUrl, (v) => typeof v === 'string') &&
    typeof c.link === 'string' && LINK_KINDS.has(c.link) &&
    typeof c.mac === 'string' &&
    isCount(c.mtu) &&
    typeof c.hostname === 'string' &&
    isOptional(c.memoryMiB, isCount) &&
    isOptional(c.consoleSize, (v) => isRecord(v) && isCount(v.cols) && isCount(v.rows)) &&
    isOptional(c.extraCmdline, (v) => typeof v === 'string') &&
    isOptional(c.boot, (v) => v === 'auto' || v === 'cold');
  return ok ? (c as unknown as WorkerBootConfig) : undefined;
}

/** Validates a message the worker received; returns it typed or a ProtocolError. */
export function parsePageMessage(data: unknown): PageMessage | ProtocolError {
  if (!isRecord(data) || typeof data.type !== 'string') return invalid('not a message object');
  switch (data.type) {
    case 'boot': {
      if (!isCount(data.generation)) return invalid('boot: bad generation');
      const config = parseBootConfig(data.config);
      return config ? { type: 'boot', generation: data.generation, config } : invalid('boot: bad config');
    }
    case 'console-in':
      return data.bytes instanceof ArrayBuffer ? { type: 'console-in', bytes: data.bytes } : invalid('console-in: bytes not an ArrayBuffer');
    case 'frame-in':
      if (typeof data.port !== 'string' || !PORT_NAMES.has(data.port)) return invalid('frame-in: bad port');
      if (!(data.frame instanceof ArrayBuffer)) return invalid('frame-in: frame not an ArrayBuffer');
      return { type: 'frame-in', port: data.port as PortName, frame: data.frame };
    case 'resize':
      return isConsoleSize(data) ? { type: 'resize', cols: data.cols, rows: data.rows } : invalid('resize: bad size');
    case 'save':
      return isCount(data.id) ? { type: 'save', id: data.id } : invalid('save: bad id');
    case 'restore':
      if (!isCount(data.id)) return invalid('restore: bad id');
      return data.state instanceof ArrayBuffer ? { type: 'restore', id: data.id, state: data.state } : invalid('restore: state not an ArrayBuffer');
    case 'stop':
      return { type: 'stop' };
    default:
      return invalid(`unknown type ${JSON.stringify(data.type).slice(0, 40)}`);
  }
}

/** Validates a message the page received; returns it typed or a ProtocolError. */
export function parseWorkerMessage(data: unknown): WorkerMessage | ProtocolError {
  if (!isRecord(data) || typeof data.type !== 'string') return invalid('not a message object');
  const g = data.generation;
  switch (data.type) {
    case 'progress':
      return isCount(g) && isCount(data.loadedBytes) && isCount(data.totalBytes)
        ? { type: 'progress', generation: g, loadedBytes: data.loadedBytes, totalBytes: data.totalBytes }
        : invalid('progress: bad fields');
    case 'stage':
      return isCount(g) && typeof data.stage === 'string' && BOOT_STAGES.has(data.stage)
        ? { type: 'stage', generation: g, stage: data.stage as BootStage }
        : invalid('stage: bad fields');
    case 'console-out':
      return isCount(g) && data.bytes instanceof ArrayBuffer
        ? { type: 'console-out', generation: g, bytes: data.bytes }
        : invalid('console-out: bad fields');
    case 'frame-out':
      return isCount(g) && typeof data.port === 'string' && PORT_NAMES.has(data.port) && data.frame instanceof ArrayBuffer
        ? { type: 'frame-out', generation: g, port: data.port as PortName, frame: data.frame }
        : invalid('frame-out: bad fields');
    case 'saved':
      return isCount(data.id) && data.state instanceof ArrayBuffer
        ? { type: 'saved', id: data.id, state: data.state }
        : invalid('saved: bad fields');
    case 'restored':
      return isCount(data.id) ? { type: 'restored', id: data.id } : invalid('restored: bad id');
    case 'stopped':
      return { type: 'stopped' };
    case 'error':
      return typeof data.code === 'string' && typeof data.message === 'string' && isOptional(data.id, isCount) && isOptional(g, isCount)
        ? { type: 'error', code: data.code, message: data.message, id: data.id as number | undefined, generation: g as number | undefined }
        : invalid('error: bad fields');
    default:
      return invalid(`unknown type ${JSON.stringify(data.type).slice(0, 40)}`);
  }
}

/** Returns an ArrayBuffer holding exactly `bytes`, reusing its buffer when the view spans all of it. */
export function ownedBuffer(bytes: Uint8Array): ArrayBuffer {
  const buf = bytes.buffer;
  if (buf instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buf.byteLength) return buf;
  return bytes.slice().buffer as ArrayBuffer;
}
