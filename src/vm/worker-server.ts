// The worker side of the page/worker protocol: owns the one Vm, boots it from fetched images, and
// relays console bytes, stage changes and frames to the page. worker.ts wires it to `self`; tests
// wire it to a MessageChannel with a fake `startVm`.
//
//   page ──postMessage──> serveVm ── startVm/console.write/resizeConsole/port.send ──> Vm (v86)
//   page <──postMessage── serveVm <── onOutput/onStage/onFrame ────────── Vm
import type { ImageBuffers, ImageProgress, TemplateBuffers } from './image-fetch.ts';
import type { BootStage, ConsoleSize, Vm, VmConfig } from './types.ts';
import { type MessageEndpoint, type PortName, type WorkerBootConfig, type WorkerMessage, ownedBuffer, parsePageMessage } from './worker-protocol.ts';

/** What serveVm needs from the outside world. */
export interface WorkerServerDeps {
  startVm(config: VmConfig): Promise<Vm>;
  fetchImages(baseUrl: string, onProgress: (progress: ImageProgress) => void): Promise<ImageBuffers>;
  /** The template snapshot and BIOS images, or undefined when there is no usable template. */
  fetchTemplate?(baseUrl: string, onProgress: (progress: ImageProgress) => void): Promise<TemplateBuffers | undefined>;
  /** v86.wasm's URL when the boot config names none. */
  readonly wasmUrl: string;
}

/** Counters of what the worker refused or dropped, by reason. */
export interface WorkerServerCounters {
  badMessages: number;
  /** Template restores that failed (the worker then booted the guest instead). */
  templateFailures: number;
  consoleBytesDropped: number;
  framesDropped: number;
}

/** A running worker server. */
export interface WorkerServer {
  readonly counters: WorkerServerCounters;
}

function codeOf(err: unknown, fallback: string): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  const m = /^(ERR_[A-Z0-9_]+)/.exec(err instanceof Error ? err.message : '');
  return m ? m[1] : fallback;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Serves one Vm over `endpoint` until the worker ends. */
export function serveVm(endpoint: MessageEndpoint, deps: WorkerServerDeps): WorkerServer {
  const counters: WorkerServerCounters = { badMessages: 0, consoleBytesDropped: 0, framesDropped: 0, templateFailures: 0 };
  const imageCache = new Map<string, Promise<ImageBuffers>>();
  const templateCache = new Map<string, Promise<TemplateBuffers | undefined>>();
  let vm: Vm | undefined;
  let detach: (() => void)[] = [];
  let generation = -1;
  let vmGeneration = -1;
  // The terminal's latest size, from the newest boot message or resize: a boot that was already
  // under way when the terminal changed starts with it (see startWithLatestSize).
  let consoleSize: ConsoleSize | undefined;
  // Boots, stops, saves and restores run one at a time, in the order the page sent them.
  let queue: Promise<void> = Promise.resolve();

  function post(message: WorkerMessage, transfer: Transferable[] = []): void {
    endpoint.postMessage(message, transfer);
  }

  function enqueue(task: () => Promise<void>): void {
    queue = queue.then(task).catch(() => undefined);
  }

  // Console bytes come from v86 a few at a time inside one emulation slice; one message per
  // slice (flushed in a microtask) keeps the page's message rate low.
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  function flushConsole(gen: number): void {
    if (pendingBytes === 0) return;
    const out = new Uint8Array(pendingBytes);
    let at = 0;
    for (const chunk of pending) {
      out.set(chunk, at);
      at += chunk.byteLength;
    }
    pending = [];
    pendingBytes = 0;
    post({ type: 'console-out', generation: gen, bytes: out.buffer }, [out.buffer]);
  }

  async function stopVm(): Promise<void> {
    for (const off of detach) off();
    detach = [];
    flushConsole(vmGeneration);
    const old = vm;
    vm = undefined;
    if (old) await old.destroy();
  }

  function attach(machine: Vm, gen: number): void {
    detach.push(
      machine.console.onOutput((bytes) => {
        if (pendingBytes === 0) queueMicrotask(() => flushConsole(gen));
        pending.push(bytes.slice());
        pendingBytes += bytes.byteLength;
      }),
      machine.onStage((stage: BootStage) => {
        flushConsole(gen);
        post({ type: 'stage', generation: gen, stage });
      }),
    );
    for (const port of ['tty', 'nic'] as const satisfies readonly PortName[]) {
      detach.push(
        machine[port].onFrame((frame) => {
          // The host hands each listener a frame of its own (a copy off the bus or out of the
          // decoder), and this is the worker's only listener: transfer it rather than copy again.
          const buf = ownedBuffer(frame);
          post({ type: 'frame-out', generation: gen, port, frame: buf }, [buf]);
        }),
      );
    }
  }

  // Starts a machine with the console's latest size, and tells it a size that came in while it started.
  async function startWithLatestSize(config: Omit<VmConfig, 'consoleSize'>): Promise<Vm> {
    const size = consoleSize;
    const machine = await deps.startVm({ ...config, consoleSize: size });
    if (consoleSize && consoleSize !== size) machine.resizeConsole(consoleSize);
    return machine;
  }

  // Restores the template snapshot if there is a usable one; resolves undefined to fall back to a boot.
  async function restoreTemplate(gen: number, config: WorkerBootConfig): Promise<Vm | undefined> {
    if (config.boot === 'cold' || !deps.fetchTemplate) return undefined;
    let pending = templateCache.get(config.imagesUrl);
    if (!pending) {
      pending = deps.fetchTemplate(config.imagesUrl, (p) => post({ type: 'progress', generation: gen, ...p }));
      templateCache.set(config.imagesUrl, pending);
      pending.catch(() => templateCache.delete(config.imagesUrl));
    }
    const t = await pending.catch(() => undefined);
    if (!t || gen !== generation) return undefined;
    try {
      return await startWithLatestSize({
        wasmPath: config.wasmUrl ?? deps.wasmUrl,
        images: { bios: { buffer: t.bios.slice(0) }, vgaBios: { buffer: t.vgaBios.slice(0) } },
        snapshot: { kind: 'template', state: t.template.slice(0) },
        link: config.link,
        mac: config.mac,
        mtu: config.mtu,
        hostname: config.hostname,
      });
    } catch {
      counters.templateFailures++;
      return undefined;
    }
  }

  async function boot(gen: number, config: WorkerBootConfig): Promise<void> {
    await stopVm();
    if (gen !== generation) return;
    post({ type: 'stage', generation: gen, stage: 'loading' });
    const restored = await restoreTemplate(gen, config);
    if (gen !== generation) {
      await restored?.destroy();
      return;
    }
    if (restored) {
      vm = restored;
      vmGeneration = gen;
      attach(restored, gen);
      post({ type: 'stage', generation: gen, stage: restored.stage });
      return;
    }
    let images = imageCache.get(config.imagesUrl);
    if (!images) {
      images = deps.fetchImages(config.imagesUrl, (p) => post({ type: 'progress', generation: gen, ...p }));
      imageCache.set(config.imagesUrl, images);
      // A failed download is not cached, so the next boot (a reset) tries again.
      images.catch(() => imageCache.delete(config.imagesUrl));
    }
    let buffers: ImageBuffers;
    try {
      buffers = await images;
    } catch (err) {
      post({ type: 'error', generation: gen, code: codeOf(err, 'ERR_IMAGE_FETCH'), message: messageOf(err) });
      return;
    }
    if (gen !== generation) return;
    // Each boot gets its own copies: the emulator may keep or detach what it is given.
    const copy = (b: ArrayBuffer) => ({ buffer: b.slice(0) });
    let machine: Vm;
    try {
      machine = await startWithLatestSize({
        wasmPath: config.wasmUrl ?? deps.wasmUrl,
        images: { bios: copy(buffers.bios), vgaBios: copy(buffers.vgaBios), kernel: copy(buffers.kernel), initrd: copy(buffers.initrd) },
        link: config.link,
        mac: config.mac,
        mtu: config.mtu,
        hostname: config.hostname,
        memoryMiB: config.memoryMiB,
        extraCmdline: config.extraCmdline,
      });
    } catch (err) {
      post({ type: 'error', generation: gen, code: codeOf(err, 'ERR_BOOT_FAILED'), message: messageOf(err) });
      return;
    }
    if (gen !== generation) {
      await machine.destroy();
      return;
    }
    vm = machine;
    vmGeneration = gen;
    attach(machine, gen);
    post({ type: 'stage', generation: gen, stage: machine.stage });
  }

  endpoint.onmessage = (event: MessageEvent) => {
    const msg = parsePageMessage(event.data);
    switch (msg.type) {
      case 'invalid':
        counters.badMessages++;
        post({ type: 'error', code: msg.code, message: msg.message });
        return;
      case 'boot':
        // Newer boots win: an older one still downloading gives up when it sees this number.
        generation = msg.generation;
        if (msg.config.consoleSize) consoleSize = msg.config.consoleSize;
        enqueue(() => boot(msg.generation, msg.config));
        return;
      case 'resize':
        consoleSize = { cols: msg.cols, rows: msg.rows };
        // Without a machine (booting, stopped) the size waits for the next start.
        vm?.resizeConsole(consoleSize);
        return;
      case 'console-in':
        if (vm) vm.console.write(new Uint8Array(msg.bytes));
        else counters.consoleBytesDropped += msg.bytes.byteLength;
        return;
      case 'frame-in':
        if (vm) vm[msg.port].send(new Uint8Array(msg.frame));
        else counters.framesDropped++;
        return;
      case 'save':
        enqueue(async () => {
          if (!vm) return post({ type: 'error', id: msg.id, code: 'ERR_NO_VM', message: 'no running guest to save' });
          try {
            const state = await vm.saveState();
            post({ type: 'saved', id: msg.id, state }, [state]);
          } catch (err) {
            post({ type: 'error', id: msg.id, code: codeOf(err, 'ERR_SAVE_FAILED'), message: messageOf(err) });
          }
        });
        return;
      case 'restore':
        enqueue(async () => {
          if (!vm) return post({ type: 'error', id: msg.id, code: 'ERR_NO_VM', message: 'no running guest to restore into' });
          try {
            await vm.restoreState(msg.state);
            post({ type: 'restored', id: msg.id });
          } catch (err) {
            post({ type: 'error', id: msg.id, code: codeOf(err, 'ERR_RESTORE_FAILED'), message: messageOf(err) });
          }
        });
        return;
      case 'stop':
        generation++;
        enqueue(async () => {
          await stopVm();
          post({ type: 'stopped' });
        });
        return;
    }
  };
  return { counters };
}
