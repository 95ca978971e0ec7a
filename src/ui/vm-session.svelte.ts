// The page's one guest as reactive state for the components: download progress, boot stage, link
// kind, errors. The machine itself runs in the emulator worker behind a WorkerVm.
import { hostnameForMac } from './format.ts';
import { ConsoleBacklog } from './console-backlog.ts';
import { writeLinkChoice } from './link-choice.ts';
import { MAX_CONSOLE_CELLS } from '../vm/cmdline.ts';
import type { BootStage, ConsoleSize, LinkKind } from '../vm/types.ts';
import type { WorkerBootConfig } from '../vm/worker-protocol.ts';
import type { WorkerVm } from '../vm/worker-client.ts';

/** The guest interface MTU the page boots with. */
export const GUEST_MTU = 1500;

/** A terminal being dragged to a new size changes it many times a second; the guest gets the last. */
export const RESIZE_DEBOUNCE_MS = 100;

/** The performance mark set when the guest's prompt first appears after each boot. */
export const PROMPT_MARK = 'peerlinux:prompt';

/** What a session needs to start its guest. */
export interface VmSessionOptions {
  readonly link: LinkKind;
  readonly mac: string;
  readonly imagesUrl: string;
  readonly start: (config: WorkerBootConfig) => WorkerVm;
  /** `cold` skips the template snapshot and boots the kernel (`?boot=cold`); default `auto`. */
  readonly boot?: 'auto' | 'cold';
}

/** The page's guest, observable by components. */
export class VmSession {
  stage: BootStage = $state('loading');
  loadedBytes = $state(0);
  totalBytes = $state(0);
  link: LinkKind = $state('tty');
  error: string | null = $state(null);
  /** A short note about the page's lifecycle (a freeze and resume), shown in the status line. */
  note: string | null = $state(null);
  /** Milliseconds from navigation to the prompt of the latest boot, once it appeared. */
  promptAtMs: number | null = $state(null);
  readonly mac: string;
  readonly hostname: string;
  private vm: WorkerVm | undefined;
  private readonly backlog = new ConsoleBacklog();
  private readonly imagesUrl: string;
  private readonly boot: 'auto' | 'cold';
  private readonly startVm: (config: WorkerBootConfig) => WorkerVm;
  private frozenAtMs: number | null = null;
  private consoleSize: ConsoleSize | undefined;
  private resizeTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly cleanups: (() => void)[] = [];

  constructor(options: VmSessionOptions) {
    this.link = options.link;
    this.mac = options.mac;
    this.hostname = hostnameForMac(options.mac);
    this.imagesUrl = options.imagesUrl;
    this.boot = options.boot ?? 'auto';
    this.startVm = options.start;
  }

  /** The worker-backed guest, for code that needs its frame ports; undefined before start. */
  get machine(): WorkerVm | undefined {
    return this.vm;
  }

  /** Boots the guest and starts following the page lifecycle. */
  start(): void {
    if (this.vm) return;
    const vm = this.startVm({
      imagesUrl: this.imagesUrl,
      link: this.link,
      mac: this.mac,
      mtu: GUEST_MTU,
      hostname: this.hostname,
      consoleSize: this.consoleSize,
      boot: this.boot,
    });
    this.vm = vm;
    this.cleanups.push(
      vm.console.onOutput((bytes) => this.backlog.push(bytes)),
      vm.onProgress((p) => {
        this.loadedBytes = p.loadedBytes;
        this.totalBytes = p.totalBytes;
      }),
      vm.onStage((stage) => this.onStage(stage)),
      vm.onError((err) => {
        this.error = err.message;
      }),
    );
    // A frozen page stops its workers too; on resume the guest's clock jumps ahead. Say so, since
    // the person may see a stalled or skewed terminal.
    const onFreeze = () => {
      this.frozenAtMs = Date.now();
    };
    const onResume = () => {
      if (this.frozenAtMs === null) return;
      const seconds = Math.round((Date.now() - this.frozenAtMs) / 1000);
      this.frozenAtMs = null;
      this.note = `The browser paused this tab for ${seconds} s; the guest resumed where it stopped.`;
    };
    document.addEventListener('freeze', onFreeze);
    document.addEventListener('resume', onResume);
    this.cleanups.push(() => {
      document.removeEventListener('freeze', onFreeze);
      document.removeEventListener('resume', onResume);
    });
  }

  /** Connects a terminal: replays what the guest printed so far, then streams; returns the detach function. */
  attachConsole(write: (bytes: Uint8Array) => void): () => void {
    return this.backlog.attach(write);
  }

  /**
   * Records the terminal's size for the next boot and, shortly after the last change, tells the
   * running guest (a guest still booting asks its host for the latest size once it can take it).
   */
  setConsoleSize(cols: number, rows: number): void {
    if (!(cols > 0 && rows > 0)) return;
    // The guest takes at most 1000 cells either way; a wider terminal just has unused columns.
    const size = { cols: Math.min(cols, MAX_CONSOLE_CELLS), rows: Math.min(rows, MAX_CONSOLE_CELLS) };
    if (this.consoleSize?.cols === size.cols && this.consoleSize.rows === size.rows) return;
    this.consoleSize = size;
    if (!this.vm) return;
    clearTimeout(this.resizeTimer);
    this.resizeTimer = setTimeout(() => {
      this.resizeTimer = undefined;
      if (this.vm && this.consoleSize) this.vm.resizeConsole(this.consoleSize);
    }, RESIZE_DEBOUNCE_MS);
  }

  /** Sends what the person typed or pasted to the guest's console. */
  type(data: string): void {
    this.vm?.console.write(data);
  }

  /** Reboots the guest (with `link` if given, recorded in the page URL). */
  reset(link: LinkKind = this.link): void {
    if (!this.vm) return;
    this.link = link;
    history.replaceState(history.state, '', writeLinkChoice(location.href, link));
    this.error = null;
    this.note = null;
    this.promptAtMs = null;
    this.backlog.clear();
    // Clears the screen and scrollback so the new boot starts on a fresh terminal.
    this.backlog.push(new TextEncoder().encode('\x1bc'));
    clearTimeout(this.resizeTimer);
    this.resizeTimer = undefined;
    this.vm.reset({ link, consoleSize: this.consoleSize });
  }

  /** Stops the guest and its worker. */
  destroy(): void {
    clearTimeout(this.resizeTimer);
    for (const off of this.cleanups.splice(0)) off();
    void this.vm?.destroy();
    this.vm = undefined;
  }

  private onStage(stage: BootStage): void {
    this.stage = stage;
    document.documentElement.dataset.stage = stage;
    // One mark per stage lets benches break the time to the prompt down.
    performance.mark(`peerlinux:stage:${stage}`);
    if (stage === 'prompt' && this.promptAtMs === null) {
      this.promptAtMs = performance.now();
      performance.mark(PROMPT_MARK);
    }
  }
}
