// The page-side proxy of the emulator worker: a Vm whose machine runs in worker.ts.
//
//   xterm / mesh ── console.write / resizeConsole / tty.send / nic.send ──postMessage (transfer)──> worker ── v86
//   xterm / mesh <── onOutput / onFrame / onStage ─────────postMessage (transfer)── worker
import { validateConsoleSize } from './cmdline.ts';
import type { BootStage, ConsoleSize, FramePort, FramePortCounters, Vm, VmConsole } from './types.ts';
import { type MessageEndpoint, type PageMessage, type PortName, type WorkerBootConfig, type WorkerMessage, ownedBuffer, parseWorkerMessage } from './worker-protocol.ts';

/** Download progress of the guest images, in bytes. */
export interface BootProgress {
  readonly loadedBytes: number;
  readonly totalBytes: number;
}

/** A failure the worker reported, with its stable code. */
export class WorkerVmError extends Error {
  constructor(readonly code: string, message: string) {
    super(`${code}: ${message}`);
    this.name = 'WorkerVmError';
  }
}

/** A worker endpoint that can also be ended (a real Worker). */
export type WorkerEndpoint = MessageEndpoint & { terminate?(): void };

type Listener<T> = (value: T) => void;

function listeners<T>() {
  const set = new Set<Listener<T>>();
  return {
    add(fn: Listener<T>): () => void {
      set.add(fn);
      return () => set.delete(fn);
    },
    emit(value: T): void {
      for (const fn of [...set]) fn(value);
    },
  };
}

const encoder = new TextEncoder();

class WorkerFramePort implements FramePort {
  readonly counters: FramePortCounters = { framesIn: 0, bytesIn: 0, framesOut: 0, bytesOut: 0, dropped: {} };
  readonly frames = listeners<Uint8Array>();

  constructor(private readonly name: PortName, private readonly vm: WorkerVm) {}

  /** Sends a frame towards the guest; the frame's buffer is transferred when the frame spans it. */
  send(frame: Uint8Array): void {
    if (this.vm.destroyed) {
      this.counters.dropped.destroyed = (this.counters.dropped.destroyed ?? 0) + 1;
      return;
    }
    this.counters.framesOut++;
    this.counters.bytesOut += frame.byteLength;
    const buf = ownedBuffer(frame);
    this.vm.post({ type: 'frame-in', port: this.name, frame: buf }, [buf]);
  }

  onFrame(listener: (frame: Uint8Array) => void): () => void {
    return this.frames.add(listener);
  }

  deliver(frame: Uint8Array): void {
    this.counters.framesIn++;
    this.counters.bytesIn += frame.byteLength;
    this.frames.emit(frame);
  }
}

/** A Vm running in a worker; `reset` reboots it there, with changed settings if given. */
export class WorkerVm implements Vm {
  readonly tty: WorkerFramePort;
  readonly nic: WorkerFramePort;
  readonly console: VmConsole;
  /** Messages from the worker that failed validation. */
  badMessages = 0;
  destroyed = false;
  private currentStage: BootStage = 'loading';
  private currentProgress: BootProgress = { loadedBytes: 0, totalBytes: 0 };
  private generation = 0;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(err: Error): void }>();
  private readonly output = listeners<Uint8Array>();
  private readonly stages = listeners<BootStage>();
  private readonly progresses = listeners<BootProgress>();
  private readonly errors = listeners<WorkerVmError>();

  constructor(private readonly endpoint: WorkerEndpoint, private config: WorkerBootConfig) {
    this.tty = new WorkerFramePort('tty', this);
    this.nic = new WorkerFramePort('nic', this);
    this.console = {
      write: (data) => {
        if (this.destroyed) return;
        const bytes = typeof data === 'string' ? encoder.encode(data) : data;
        const buf = typeof data === 'string' ? (bytes.buffer as ArrayBuffer) : bytes.slice().buffer;
        this.post({ type: 'console-in', bytes: buf }, [buf]);
      },
      onOutput: (listener) => this.output.add(listener),
    };
    endpoint.onmessage = (event) => this.receive(event.data);
    this.post({ type: 'boot', generation: this.generation, config });
  }

  get stage(): BootStage {
    return this.currentStage;
  }

  /** The latest image download progress of the current boot. */
  get progress(): BootProgress {
    return this.currentProgress;
  }

  /** The settings the current boot used, with the console's latest size; a reset boots with them. */
  get bootConfig(): WorkerBootConfig {
    return this.config;
  }

  onStage(listener: (stage: BootStage) => void): () => void {
    return this.stages.add(listener);
  }

  /** Subscribes to image download progress; returns the unsubscribe function. */
  onProgress(listener: (progress: BootProgress) => void): () => void {
    return this.progresses.add(listener);
  }

  /** Subscribes to failures the worker reports outside a request (download, boot); returns the unsubscribe function. */
  onError(listener: (err: WorkerVmError) => void): () => void {
    return this.errors.add(listener);
  }

  waitForPrompt(): Promise<void> {
    if (this.currentStage === 'prompt') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const offs: (() => void)[] = [];
      const done = (err?: Error) => {
        for (const off of offs) off();
        if (err) reject(err);
        else resolve();
      };
      offs.push(
        this.stages.add((s) => {
          if (s === 'prompt') done();
          else if (s === 'stopped') done(new WorkerVmError('ERR_VM_STOPPED', 'the guest stopped before its prompt'));
        }),
        this.errors.add((err) => done(err)),
      );
    });
  }

  /** Sends the terminal's new size to the worker; throws ERR_VM_CONFIG for a size outside 1 to 1000. */
  resizeConsole(size: ConsoleSize): void {
    validateConsoleSize(size);
    if (this.destroyed) return;
    this.config = { ...this.config, consoleSize: { cols: size.cols, rows: size.rows } };
    this.post({ type: 'resize', cols: size.cols, rows: size.rows });
  }

  /** Reboots the guest in the same worker (images stay downloaded), applying `changes` to the settings. */
  reset(changes: Partial<WorkerBootConfig> = {}): void {
    if (this.destroyed) throw new WorkerVmError('ERR_VM_DESTROYED', 'reset after destroy');
    this.config = { ...this.config, ...changes };
    this.generation++;
    this.setStage('loading');
    this.post({ type: 'boot', generation: this.generation, config: this.config });
  }

  saveState(): Promise<ArrayBuffer> {
    return this.request((id) => ({ type: 'save', id })) as Promise<ArrayBuffer>;
  }

  async restoreState(state: ArrayBuffer): Promise<void> {
    await this.request((id) => ({ type: 'restore', id, state }), [state]);
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.post({ type: 'stop' });
    this.destroyed = true;
    for (const p of this.pending.values()) p.reject(new WorkerVmError('ERR_VM_DESTROYED', 'destroyed while waiting'));
    this.pending.clear();
    this.setStage('stopped');
    this.endpoint.terminate?.();
  }

  /** Reports a failure of the worker itself (a script that failed to load, an uncloneable message). */
  fail(code: string, message: string): void {
    if (!this.destroyed) this.errors.emit(new WorkerVmError(code, message));
  }

  /** Posts a protocol message to the worker; used by the frame ports. */
  post(message: PageMessage, transfer: Transferable[] = []): void {
    this.endpoint.postMessage(message, transfer);
  }

  private request(make: (id: number) => PageMessage, transfer: Transferable[] = []): Promise<unknown> {
    if (this.destroyed) return Promise.reject(new WorkerVmError('ERR_VM_DESTROYED', 'request after destroy'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.post(make(id), transfer);
    });
  }

  private settle(id: number, value: unknown, err?: WorkerVmError): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (err) p.reject(err);
    else p.resolve(value);
  }

  private setStage(stage: BootStage): void {
    if (stage === this.currentStage) return;
    this.currentStage = stage;
    this.stages.emit(stage);
  }

  private receive(data: unknown): void {
    if (this.destroyed) return;
    const msg: WorkerMessage | { type: 'invalid' } = parseWorkerMessage(data);
    // Machine messages of a boot the page has since replaced are stale.
    if ('generation' in msg && msg.generation !== undefined && msg.generation !== this.generation) return;
    switch (msg.type) {
      case 'invalid':
        this.badMessages++;
        return;
      case 'progress':
        this.currentProgress = { loadedBytes: msg.loadedBytes, totalBytes: msg.totalBytes };
        this.progresses.emit(this.currentProgress);
        return;
      case 'stage':
        this.setStage(msg.stage);
        return;
      case 'console-out':
        this.output.emit(new Uint8Array(msg.bytes));
        return;
      case 'frame-out':
        this[msg.port].deliver(new Uint8Array(msg.frame));
        return;
      case 'saved':
        this.settle(msg.id, msg.state);
        return;
      case 'restored':
        this.settle(msg.id, undefined);
        return;
      case 'stopped':
        return;
      case 'error': {
        const err = new WorkerVmError(msg.code, msg.message);
        if (msg.id !== undefined) this.settle(msg.id, undefined, err);
        else this.errors.emit(err);
        return;
      }
    }
  }
}

/** Starts the emulator worker and boots a guest in it. */
export function startWorkerVm(config: WorkerBootConfig): WorkerVm {
  // Vite spots this exact form and bundles worker.ts (and v86) as a separate module worker.
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'peerlinux-vm' });
  const vm = new WorkerVm(worker, config);
  worker.addEventListener('error', (ev) => vm.fail('ERR_WORKER_FAILED', ev.message || 'the emulator worker failed to start'));
  worker.addEventListener('messageerror', () => vm.fail('ERR_BAD_MESSAGE', 'a worker message could not be decoded'));
  return vm;
}
