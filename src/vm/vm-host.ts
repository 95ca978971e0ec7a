// The emulator host: boots our guest in v86 and exposes its console and two frame ports.
//
//   guest ttyS0  <- serial0 bytes ->  VmConsole
//   guest tap0 -> tapper -> ttyS1 <- serial1 bytes -> TtyFrameDecoder / encodeTtyFrame -> vm.tty
//   guest eth0 (virtio-net)  <- net0-send / net0-receive on the bus ->                   vm.nic
//   guest ttyS2 <- serial2 lines -> settings at a template restore, then console sizes  vm.resizeConsole
//
// This is the only module that imports v86. It runs unchanged in Node, a worker and a page.
import { V86 } from 'v86';
import type { V86Image, V86Options } from 'v86';
import { encodeTtyFrame, TtyFrameDecoder } from '../net/tty-framing.ts';
import { buildCmdline, buildSettingsLine, buildWinsizeLine, MAX_MTU, validateVmConfig, VmConfigError } from './cmdline.ts';
import { createFramePort, type FramePortSink } from './frame-port.ts';
import { MOTD_MARK, PromptWatcher } from './prompt-watcher.ts';
import type { BootStage, ConsoleSize, FramePort, ImageSource, RawSerial, Vm, VmConfig, VmConsole } from './types.ts';

/** Guest RAM when the config names none: the initrd is loaded at 64 MiB, so leave room above it. */
export const DEFAULT_MEMORY_MIB = 96;
const MIB = 1024 * 1024;
const SERIAL_TTY = 1;
/** Bytes that may wait in the emulated UART for the guest to read before frames are dropped. */
export const MAX_TTY_BACKLOG_BYTES = 16 * 1024;
const SERIAL_SETTINGS = 2;
/** What the guest's winsize loop writes on ttyS2 when it starts reading: it wants the current size. */
const WINSIZE_REQUEST = 'winsize?';
/** Longest line from the guest on ttyS2 that is looked at; the rest of a longer one is ignored. */
const MAX_SETTINGS_LINE_BYTES = 64;

interface V86Bus {
  send(name: string, value: unknown): void;
  register(name: string, fn: (value: never) => void, ctx: unknown): void;
  unregister(name: string, fn: (value: never) => void): void;
}

function toV86Image(src: ImageSource): V86Image {
  return 'url' in src ? { url: src.url } : { buffer: src.buffer };
}

/** Boots a guest with `config`; resolves once the emulator has loaded and runs (not yet at the prompt). */
export async function startVm(config: VmConfig): Promise<Vm> {
  const memoryMiB = config.memoryMiB ?? DEFAULT_MEMORY_MIB;
  const options: V86Options = {
    wasm_path: config.wasmPath,
    memory_size: memoryMiB * MIB,
    vga_memory_size: 2 * MIB,
    bios: toV86Image(config.images.bios),
    vga_bios: toV86Image(config.images.vgaBios),
    autostart: true,
    disable_keyboard: true,
    disable_mouse: true,
    disable_speaker: true,
    uart1: true,
    uart2: true,
    // The device offers the largest MTU; the guest sets its interface's own from the config.
    net_device: { type: 'virtio', mtu: MAX_MTU },
  };
  if (config.snapshot) {
    validateVmConfig(config);
    options.initial_state = { buffer: config.snapshot.state };
    // Keep the NIC's MAC as the saved guest knew it; otherwise v86 gives the restored NIC a new one.
    options.preserve_mac_from_state_image = true;
  } else {
    if (!config.images.kernel || !config.images.initrd) throw new VmConfigError('a boot needs kernel and initrd images');
    options.bzimage = toV86Image(config.images.kernel);
    options.initrd = toV86Image(config.images.initrd);
    options.cmdline = buildCmdline(config);
  }
  const emulator = new V86(options);
  const vm = new V86Vm(emulator, config);
  // Input written before the images (or the saved state) are loaded would be lost.
  await new Promise<void>((resolve) => emulator.add_listener('emulator-loaded', () => resolve()));
  if (config.snapshot?.kind === 'resume') vm.markResumed();
  if (config.snapshot?.kind === 'template') vm.sendSettings(buildSettingsLine(config, Date.now()));
  return vm;
}

/** A serial port as raw bytes (for tests), with the listeners its output goes to. */
type ListenedSerial = RawSerial & { readonly listeners: Set<(bytes: Uint8Array) => void> };

function rawSerial(emulator: V86, port: number): ListenedSerial {
  const listeners = new Set<(bytes: Uint8Array) => void>();
  return {
    listeners,
    write: (bytes) => emulator.serial_send_bytes(port, bytes),
    onBytes: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

class V86Vm implements Vm {
  readonly console: VmConsole;
  readonly tty: FramePort;
  readonly nic: FramePort;
  readonly ttyRaw: ListenedSerial;
  readonly settingsRaw: ListenedSerial;
  // The latest console size, from the config or resizeConsole: the answer to the guest's request.
  private consoleSize: ConsoleSize | undefined;
  private settingsLineIn = '';
  private stageNow: BootStage = 'booting';
  private readonly stageListeners = new Set<(stage: BootStage) => void>();
  private readonly outputListeners = new Set<(bytes: Uint8Array) => void>();
  private readonly prompt = new PromptWatcher();
  private readonly bus: V86Bus;
  private readonly ttySink: FramePortSink;
  private readonly nicSink: FramePortSink;
  private readonly ttyDecoder: TtyFrameDecoder;
  // Serial bytes arrive one event at a time; batch them per microtask before decoding or emitting.
  private consoleBatch: number[] = [];
  private ttyBatch = new Uint8Array(4096);
  private ttyBatchLen = 0;
  private flushQueued = false;
  private destroyed = false;
  private restoringTemplate = false;
  private heldBeforeGreeting: number[] = [];

  constructor(private readonly emulator: V86, config: VmConfig) {
    this.bus = (emulator as unknown as { bus: V86Bus }).bus;
    const [tty, ttySink] = createFramePort((frame) => {
      if (config.link !== 'tty') return 'link-not-tty';
      // ttyS1 carries ~250 KB/s; whatever waits beyond a few frames only delays every frame
      // behind it (guest TCP then times out and resends into the same queue, and collapses).
      if (this.ttyBacklogBytes() > MAX_TTY_BACKLOG_BYTES) return 'tty-backlog';
      this.emulator.serial_send_bytes(SERIAL_TTY, encodeTtyFrame(frame));
      return null;
    });
    const [nic, nicSink] = createFramePort((frame) => {
      if (config.link !== 'nic') return 'link-not-nic';
      this.bus.send('net0-receive', frame);
      return null;
    });
    this.tty = tty;
    this.nic = nic;
    this.ttySink = ttySink;
    this.nicSink = nicSink;
    this.ttyDecoder = new TtyFrameDecoder((frame) => this.ttySink.deliver(frame));
    this.ttyRaw = rawSerial(emulator, SERIAL_TTY);
    this.consoleSize = config.consoleSize;
    this.settingsRaw = rawSerial(emulator, SERIAL_SETTINGS);
    emulator.add_listener('serial2-output-byte', (byte) => this.settingsByte(byte));
    this.console = {
      write: (data) => {
        if (typeof data === 'string') this.emulator.serial0_send(data);
        else this.emulator.serial_send_bytes(0, data);
      },
      onOutput: (listener) => {
        this.outputListeners.add(listener);
        return () => this.outputListeners.delete(listener);
      },
    };
    emulator.add_listener('serial0-output-byte', (byte: number) => {
      this.consoleBatch.push(byte);
      this.queueFlush();
    });
    emulator.add_listener('serial1-output-byte' as 'serial0-output-byte', (byte: number) => {
      if (this.ttyBatchLen === this.ttyBatch.length) this.flushTty();
      this.ttyBatch[this.ttyBatchLen++] = byte;
      this.queueFlush();
    });
    // v86 reuses the buffer it passes to net0-send: copy before anyone keeps it.
    this.bus.register('net0-send', ((data: Uint8Array) => this.nicSink.deliver(data.slice())) as (v: never) => void, this);
  }

  // Bytes v86's second UART holds that the guest has not read yet (0 if v86's insides differ).
  private ttyBacklogBytes(): number {
    const v86 = (this.emulator as unknown as { v86?: { cpu?: { devices?: { uart1?: { input?: { length?: unknown } } } } } }).v86;
    const n = v86?.cpu?.devices?.uart1?.input?.length;
    return typeof n === 'number' ? n : 0;
  }

  get stage(): BootStage {
    return this.stageNow;
  }

  /** A VM resumed from a saved state is at its prompt already (it was saved there). */
  markResumed(): void {
    this.setStage('prompt');
  }

  /** Hands a template snapshot its settings; it greets the console, and we ask for a fresh prompt. */
  sendSettings(line: string): void {
    this.restoringTemplate = true;
    this.setStage('restoring');
    this.emulator.serial_send_bytes(SERIAL_SETTINGS, new TextEncoder().encode(line));
  }

  resizeConsole(size: ConsoleSize): void {
    const line = buildWinsizeLine(size);
    this.consoleSize = { cols: size.cols, rows: size.rows };
    if (!this.destroyed) this.emulator.serial_send_bytes(SERIAL_SETTINGS, new TextEncoder().encode(line));
  }

  // The guest's winsize loop asks for the size when it starts: whatever was sent before that (a
  // resize during boot or a restore) may have found nobody reading ttyS2.
  private settingsByte(byte: number): void {
    if (this.settingsRaw.listeners.size > 0) {
      const one = Uint8Array.of(byte);
      for (const l of [...this.settingsRaw.listeners]) l(one);
    }
    if (byte !== 0x0a) {
      if (this.settingsLineIn.length < MAX_SETTINGS_LINE_BYTES) this.settingsLineIn += String.fromCharCode(byte);
      return;
    }
    const line = this.settingsLineIn.replace(/\r$/, '');
    this.settingsLineIn = '';
    if (line === WINSIZE_REQUEST && this.consoleSize) this.resizeConsole(this.consoleSize);
  }

  onStage(listener: (stage: BootStage) => void): () => void {
    this.stageListeners.add(listener);
    return () => this.stageListeners.delete(listener);
  }

  waitForPrompt(): Promise<void> {
    if (this.stageNow === 'prompt') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const off = this.onStage((stage) => {
        if (stage === 'prompt') {
          off();
          resolve();
        } else if (stage === 'stopped') {
          off();
          reject(Object.assign(new Error('the VM stopped before its prompt'), { code: 'ERR_VM_STOPPED' }));
        }
      });
    });
  }

  async saveState(): Promise<ArrayBuffer> {
    return this.emulator.save_state();
  }

  async restoreState(state: ArrayBuffer): Promise<void> {
    await this.emulator.restore_state(state);
    this.prompt.reset();
    this.restoringTemplate = false;
    this.setStage('prompt');
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    await this.emulator.destroy();
    this.setStage('stopped');
  }

  private setStage(stage: BootStage): void {
    if (stage === this.stageNow) return;
    this.stageNow = stage;
    for (const l of [...this.stageListeners]) l(stage);
  }

  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      this.flushConsole();
      this.flushTty();
    });
  }

  private flushConsole(): void {
    if (this.consoleBatch.length === 0) return;
    let bytes: Uint8Array = Uint8Array.from(this.consoleBatch);
    this.consoleBatch = [];
    if (this.stageNow !== 'prompt') {
      const before = this.stageNow;
      const seen = this.prompt.feed(bytes);
      if (seen === 'prompt' || seen === 'userspace') {
        if (seen === 'userspace') this.setStage('userspace');
        if (this.restoringTemplate && before === 'restoring') {
          bytes = this.fromGreeting(bytes);
          // The restored shell printed its prompt before the snapshot: an empty line gets a new one.
          this.emulator.serial0_send('\r');
        }
        if (seen === 'prompt') this.setStage('prompt');
      } else if (this.stageNow === 'booting') this.setStage('kernel');
      else if (this.stageNow === 'restoring') {
        // Until its greeting, a restored template only redraws the old shell's prompt (the
        // terminal resize makes it do so): hold that back instead of showing a stale hostname.
        this.heldBeforeGreeting.push(...bytes);
        return;
      }
    }
    for (const l of [...this.outputListeners]) l(bytes);
  }

  // What a restored template printed, starting at the line of its greeting.
  private fromGreeting(bytes: Uint8Array): Uint8Array {
    const all = Uint8Array.from([...this.heldBeforeGreeting, ...bytes]);
    this.heldBeforeGreeting = [];
    let text = '';
    for (let i = 0; i < all.length; i++) text += String.fromCharCode(all[i]);
    const mark = text.indexOf(MOTD_MARK);
    return mark < 0 ? all : all.subarray(text.lastIndexOf('\n', mark) + 1);
  }

  private flushTty(): void {
    if (this.ttyBatchLen === 0) return;
    const chunk = this.ttyBatch.subarray(0, this.ttyBatchLen);
    if (this.ttyRaw.listeners.size > 0) {
      const copy = chunk.slice();
      for (const l of [...this.ttyRaw.listeners]) l(copy);
    }
    this.ttyDecoder.push(chunk);
    this.ttyBatchLen = 0;
  }
}
