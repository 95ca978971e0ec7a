// The page-side WorkerVm and the worker-side serveVm, joined by a real MessageChannel, with a fake
// emulator: every message crosses a structured-clone boundary as it would between page and worker.
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ImageBuffers } from '../src/vm/image-fetch.ts';
import type { BootStage, ConsoleSize, FramePort, Vm, VmConfig } from '../src/vm/types.ts';
import { WorkerVm, WorkerVmError } from '../src/vm/worker-client.ts';
import type { MessageEndpoint, WorkerBootConfig } from '../src/vm/worker-protocol.ts';
import { serveVm, type WorkerServer } from '../src/vm/worker-server.ts';

const CONFIG: WorkerBootConfig = { imagesUrl: 'http://x/images/', link: 'tty', mac: '02:00:00:00:00:01', mtu: 1500, hostname: 'peer-0001' };

class FakePort implements FramePort {
  readonly counters = { framesIn: 0, bytesIn: 0, framesOut: 0, bytesOut: 0, dropped: {} };
  readonly sent: number[][] = [];
  listener: ((frame: Uint8Array) => void) | undefined;
  send(frame: Uint8Array): void {
    this.sent.push([...frame]);
  }
  onFrame(listener: (frame: Uint8Array) => void): () => void {
    this.listener = listener;
    return () => (this.listener = undefined);
  }
}

class FakeVm implements Vm {
  stage: BootStage = 'booting';
  readonly tty = new FakePort();
  readonly nic = new FakePort();
  readonly typed: number[][] = [];
  output: ((bytes: Uint8Array) => void) | undefined;
  stageListener: ((stage: BootStage) => void) | undefined;
  destroyed = false;
  restored: number[] = [];
  readonly sizes: ConsoleSize[] = [];
  readonly console = {
    write: (data: string | Uint8Array) => void this.typed.push([...(typeof data === 'string' ? new TextEncoder().encode(data) : data)]),
    onOutput: (l: (bytes: Uint8Array) => void) => ((this.output = l), () => (this.output = undefined)),
  };
  constructor(readonly config: VmConfig) {}
  onStage(l: (stage: BootStage) => void): () => void {
    this.stageListener = l;
    return () => (this.stageListener = undefined);
  }
  setStage(stage: BootStage): void {
    this.stage = stage;
    this.stageListener?.(stage);
  }
  waitForPrompt(): Promise<void> {
    return Promise.resolve();
  }
  resizeConsole(size: ConsoleSize): void {
    this.sizes.push(size);
  }
  async saveState(): Promise<ArrayBuffer> {
    return Uint8Array.of(7, 7, 7).buffer;
  }
  async restoreState(state: ArrayBuffer): Promise<void> {
    this.restored = [...new Uint8Array(state)];
  }
  async destroy(): Promise<void> {
    this.destroyed = true;
  }
}

const IMAGES: ImageBuffers = {
  bios: Uint8Array.of(1).buffer,
  vgaBios: Uint8Array.of(2).buffer,
  kernel: Uint8Array.of(3).buffer,
  initrd: Uint8Array.of(4).buffer,
};

interface Rig {
  client: WorkerVm;
  server: WorkerServer;
  vms: FakeVm[];
  fetches: string[];
  ports: [MessagePort, MessagePort];
}

function rig(options: { fetchFails?: boolean; startFails?: boolean; gate?: Promise<void>; startGate?: Promise<void> } = {}): Rig {
  const { port1, port2 } = new MessageChannel();
  const vms: FakeVm[] = [];
  const fetches: string[] = [];
  const server = serveVm(port2 as unknown as MessageEndpoint, {
    wasmUrl: 'http://x/v86.wasm',
    async fetchImages(url, onProgress) {
      fetches.push(url);
      onProgress({ loadedBytes: 0, totalBytes: 4 });
      await options.gate;
      onProgress({ loadedBytes: 4, totalBytes: 4 });
      if (options.fetchFails) throw Object.assign(new Error('ERR_IMAGE_HTTP: bzImage: HTTP 404'), { code: 'ERR_IMAGE_HTTP' });
      return IMAGES;
    },
    async startVm(config) {
      if (options.startFails) throw new Error('no wasm');
      const vm = new FakeVm(config);
      vms.push(vm);
      await options.startGate;
      return vm;
    },
  });
  const client = new WorkerVm(port1 as unknown as MessageEndpoint, CONFIG);
  return { client, server, vms, fetches, ports: [port1, port2] };
}

function close(r: Rig): void {
  r.ports[0].close();
  r.ports[1].close();
}

/** Waits until `check` holds, giving the message channel a turn between looks. */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(check(), 'condition never held');
}

function collect<T>(subscribe: (fn: (v: T) => void) => unknown): T[] {
  const seen: T[] = [];
  subscribe((v) => seen.push(v));
  return seen;
}

const boot = suite('WorkerVm boot');

boot('downloads once, boots with the config, reports progress and stages up to the prompt', async () => {
  const r = rig();
  const progress = collect(r.client.onProgress.bind(r.client));
  const stages = collect(r.client.onStage.bind(r.client));
  await until(() => r.vms.length === 1);
  const vm = r.vms[0];
  assert.is(vm.config.wasmPath, 'http://x/v86.wasm');
  assert.is(vm.config.link, 'tty');
  assert.is(vm.config.hostname, 'peer-0001');
  assert.equal([...new Uint8Array((vm.config.images.kernel as { buffer: ArrayBuffer }).buffer)], [3]);
  const prompt = r.client.waitForPrompt();
  vm.setStage('kernel');
  vm.setStage('prompt');
  await prompt;
  assert.equal(progress, [{ loadedBytes: 0, totalBytes: 4 }, { loadedBytes: 4, totalBytes: 4 }]);
  assert.equal(stages, ['booting', 'kernel', 'prompt']);
  assert.is(r.client.stage, 'prompt');
  assert.equal(r.fetches, ['http://x/images/']);
  close(r);
});

boot('a failed download reaches onError with its code and fails waitForPrompt', async () => {
  const r = rig({ fetchFails: true });
  const errors = collect<WorkerVmError>(r.client.onError.bind(r.client));
  const err = await r.client.waitForPrompt().catch((e: unknown) => e);
  assert.instance(err, WorkerVmError);
  assert.is((err as WorkerVmError).code, 'ERR_IMAGE_HTTP');
  assert.is(errors.length, 1);
  assert.is(r.vms.length, 0);
  close(r);
});

boot('a failed emulator start reports ERR_BOOT_FAILED', async () => {
  const r = rig({ startFails: true });
  const err = (await r.client.waitForPrompt().catch((e: unknown) => e)) as WorkerVmError;
  assert.is(err.code, 'ERR_BOOT_FAILED');
  assert.match(err.message, 'no wasm');
  close(r);
});

const io = suite('WorkerVm console and frames');

io('console bytes go both ways, batched per emulator turn', async () => {
  const r = rig();
  await until(() => r.vms.length === 1);
  const out = collect<Uint8Array>(r.client.console.onOutput);
  const vm = r.vms[0];
  vm.output!(Uint8Array.of(0x6c));
  vm.output!(Uint8Array.of(0x73, 0x0a));
  await until(() => out.length > 0);
  assert.equal(out.map((b) => [...b]), [[0x6c, 0x73, 0x0a]]);
  r.client.console.write('ls\n');
  r.client.console.write(Uint8Array.of(3));
  await until(() => vm.typed.length === 2);
  assert.equal(vm.typed, [[0x6c, 0x73, 0x0a], [3]]);
  close(r);
});

io('frames move to and from the right port; a frame spanning its buffer is transferred', async () => {
  const r = rig();
  await until(() => r.vms.length === 1);
  const vm = r.vms[0];
  const fromNic = collect<Uint8Array>(r.client.nic.onFrame.bind(r.client.nic));
  const frame = new Uint8Array(60).fill(0xab);
  r.client.tty.send(frame);
  assert.is(frame.buffer.byteLength, 0, 'the sent buffer was transferred, not copied');
  const partial = new Uint8Array(70).fill(0xcd).subarray(5, 65);
  r.client.nic.send(partial);
  assert.is(partial.byteLength, 60, 'a partial view is copied and left usable');
  await until(() => vm.tty.sent.length === 1 && vm.nic.sent.length === 1);
  assert.equal(vm.tty.sent[0], new Array(60).fill(0xab));
  assert.equal(vm.nic.sent[0], new Array(60).fill(0xcd));
  const fromGuest = new Uint8Array(64).fill(1);
  vm.nic.listener!(fromGuest);
  assert.is(fromGuest.buffer.byteLength, 0, 'a frame from the guest is transferred to the page, not copied');
  await until(() => fromNic.length === 1);
  assert.equal([...fromNic[0]], new Array(64).fill(1));
  assert.equal(
    { ...r.client.tty.counters, dropped: {} },
    { framesIn: 0, bytesIn: 0, framesOut: 1, bytesOut: 60, dropped: {} },
  );
  assert.is(r.client.nic.counters.framesIn, 1);
  assert.is(r.client.nic.counters.bytesIn, 64);
  close(r);
});

io('input before the guest runs is dropped and counted in the worker', async () => {
  let open = () => {};
  const r = rig({ gate: new Promise<void>((ok) => (open = ok)) });
  r.client.console.write('early');
  r.client.tty.send(new Uint8Array(60));
  await until(() => r.server.counters.consoleBytesDropped === 5);
  assert.is(r.server.counters.framesDropped, 1);
  open();
  await until(() => r.vms.length === 1);
  assert.equal(r.vms[0].typed, []);
  close(r);
});

const lifecycle = suite('WorkerVm reset, save, restore, destroy');

lifecycle('reset boots a new guest with the changes and drops the old one\'s late output', async () => {
  const r = rig();
  await until(() => r.vms.length === 1);
  const out = collect<Uint8Array>(r.client.console.onOutput);
  const old = r.vms[0];
  r.client.reset({ link: 'nic' });
  assert.is(r.client.stage, 'loading');
  old.output?.(Uint8Array.of(0x21));
  await until(() => r.vms.length === 2);
  assert.ok(old.destroyed);
  assert.is(r.vms[1].config.link, 'nic');
  assert.is(r.client.bootConfig.link, 'nic');
  assert.equal(r.fetches.length, 1, 'images are downloaded once per worker');
  r.vms[1].output!(Uint8Array.of(0x41));
  await until(() => out.length > 0);
  await new Promise((ok) => setImmediate(ok));
  assert.equal(out.map((b) => [...b]), [[0x41]]);
  close(r);
});

lifecycle('saveState and restoreState round-trip through the worker', async () => {
  const r = rig();
  await until(() => r.vms.length === 1);
  const state = await r.client.saveState();
  assert.equal([...new Uint8Array(state)], [7, 7, 7]);
  await r.client.restoreState(Uint8Array.of(5, 6).buffer);
  assert.equal(r.vms[0].restored, [5, 6]);
  close(r);
});

lifecycle('destroy stops the guest, rejects waiters and refuses later requests', async () => {
  const r = rig();
  await until(() => r.vms.length === 1);
  const prompt = r.client.waitForPrompt().catch((e: WorkerVmError) => e.code);
  await r.client.destroy();
  assert.is(await prompt, 'ERR_VM_STOPPED');
  assert.is(r.client.stage, 'stopped');
  const err = (await r.client.saveState().catch((e: unknown) => e)) as WorkerVmError;
  assert.is(err.code, 'ERR_VM_DESTROYED');
  r.client.tty.send(new Uint8Array(60));
  assert.equal(r.client.tty.counters.dropped, { destroyed: 1 });
  await until(() => r.vms[0].destroyed);
  close(r);
});

lifecycle('bad messages are counted on both sides and answered with ERR_BAD_MESSAGE', async () => {
  const { port1, port2 } = new MessageChannel();
  const server = serveVm(port2 as unknown as MessageEndpoint, {
    wasmUrl: 'x',
    fetchImages: async () => IMAGES,
    startVm: async (c) => new FakeVm(c),
  });
  const replies: unknown[] = [];
  port1.on('message', (m) => replies.push(m));
  port1.postMessage({ type: 'format-disk' });
  await until(() => replies.length === 1);
  assert.is(server.counters.badMessages, 1);
  assert.equal(replies[0], { type: 'error', code: 'ERR_BAD_MESSAGE', message: 'unknown type "format-disk"' });

  const { port1: a, port2: b } = new MessageChannel();
  const client = new WorkerVm(a as unknown as MessageEndpoint, CONFIG);
  b.postMessage({ type: 'stage', generation: 0, stage: 'exploded' });
  b.postMessage(42);
  await until(() => client.badMessages === 2);
  assert.is(client.stage, 'loading');
  for (const p of [port1, port2, a, b]) p.close();
});

const resize = suite('WorkerVm resizeConsole');

/** Resolves once the worker has handled every message sent before this call (it handles them in order). */
async function drained(r: Rig): Promise<void> {
  const before = r.server.counters.badMessages;
  r.client.post({ type: 'drain' } as unknown as Parameters<WorkerVm['post']>[0]);
  await until(() => r.server.counters.badMessages === before + 1);
}

resize('reaches the running guest, and a reset boots with the latest size', async () => {
  const r = rig();
  await until(() => r.vms.length === 1);
  r.client.resizeConsole({ cols: 132, rows: 43 });
  await until(() => r.vms[0].sizes.length === 1);
  assert.equal(r.vms[0].sizes, [{ cols: 132, rows: 43 }]);
  assert.equal(r.client.bootConfig.consoleSize, { cols: 132, rows: 43 });
  r.client.reset();
  await until(() => r.vms.length === 2);
  assert.equal(r.vms[1].config.consoleSize, { cols: 132, rows: 43 });
  assert.equal(r.vms[1].sizes, []);
  close(r);
});

resize('a resize during the download is the size the guest starts with', async () => {
  let open = () => {};
  const r = rig({ gate: new Promise<void>((ok) => (open = ok)) });
  r.client.resizeConsole({ cols: 90, rows: 30 });
  await drained(r);
  open();
  await until(() => r.vms.length === 1);
  assert.equal(r.vms[0].config.consoleSize, { cols: 90, rows: 30 });
  assert.equal(r.vms[0].sizes, []);
  close(r);
});

resize('a resize while the emulator starts is sent to it once it runs', async () => {
  let open = () => {};
  const r = rig({ startGate: new Promise<void>((ok) => (open = ok)) });
  await until(() => r.vms.length === 1);
  assert.is(r.vms[0].config.consoleSize, undefined);
  r.client.resizeConsole({ cols: 100, rows: 40 });
  await drained(r);
  open();
  await until(() => r.vms[0].sizes.length === 1);
  assert.equal(r.vms[0].sizes, [{ cols: 100, rows: 40 }]);
  close(r);
});

resize('throws ERR_VM_CONFIG for a size outside 1 to 1000 and sends nothing', async () => {
  const r = rig();
  await until(() => r.vms.length === 1);
  for (const bad of [{ cols: 0, rows: 24 }, { cols: 80, rows: 1001 }, { cols: 80.5, rows: 24 }, { cols: Number.NaN, rows: 24 }]) {
    const err = (() => {
      try {
        r.client.resizeConsole(bad);
      } catch (e) {
        return e as { code?: string; message?: string };
      }
    })();
    assert.is(err?.code, 'ERR_VM_CONFIG', JSON.stringify(bad));
  }
  r.client.resizeConsole({ cols: 1000, rows: 1 });
  await until(() => r.vms[0].sizes.length === 1);
  await drained(r);
  assert.equal(r.vms[0].sizes, [{ cols: 1000, rows: 1 }]);
  close(r);
});

resize('the worker answers a bad resize message with ERR_BAD_MESSAGE and leaves the guest alone', async () => {
  const r = rig();
  await until(() => r.vms.length === 1);
  const replies: unknown[] = [];
  // A second listener on the page's port sees the raw messages the client also gets.
  r.ports[0].on('message', (m: { type: string }) => m.type === 'error' && replies.push(m));
  r.client.post({ type: 'resize', cols: 0, rows: 24 });
  await until(() => replies.length === 1);
  assert.equal(replies[0], { type: 'error', code: 'ERR_BAD_MESSAGE', message: 'resize: bad size' });
  assert.is(r.server.counters.badMessages, 1);
  assert.equal(r.vms[0].sizes, []);
  close(r);
});

resize('after destroy it sends nothing and does not throw', async () => {
  const r = rig();
  await until(() => r.vms.length === 1);
  const seen: string[] = [];
  r.ports[1].on('message', (m: { type: string }) => seen.push(m.type));
  await r.client.destroy();
  r.client.resizeConsole({ cols: 100, rows: 40 });
  await drained(r);
  assert.equal(seen, ['stop', 'drain']);
  close(r);
});

boot.run();
io.run();
lifecycle.run();
resize.run();
