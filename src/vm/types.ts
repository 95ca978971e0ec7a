// The contract between the emulator host (the only importer of v86) and everything else.
// Pages, workers, tests and benches see a console and two frame ports, never v86 itself.

/** How the guest reaches the LAN: ttyS1 + tapper, the virtio-net NIC, or not at all. */
export type LinkKind = 'tty' | 'nic' | 'none';

/** A guest image given as a URL (page, worker) or as bytes (Node, tests). */
export type ImageSource = { readonly url: string } | { readonly buffer: ArrayBuffer };

/** The four files a guest boots from, as listed in public/images/manifest.json. */
export interface GuestImages {
  readonly bios: ImageSource;
  readonly vgaBios: ImageSource;
  /** Needed unless the VM starts from a snapshot. */
  readonly kernel?: ImageSource;
  readonly initrd?: ImageSource;
}

/** A terminal's size in character cells. */
export interface ConsoleSize {
  readonly cols: number;
  readonly rows: number;
}

/** Everything needed to boot one guest. */
export interface VmConfig {
  /** Absolute filesystem path (Node) or URL (browser) of v86.wasm. */
  readonly wasmPath: string;
  readonly images: GuestImages;
  readonly link: LinkKind;
  /** The guest's MAC, `aa:bb:cc:dd:ee:ff`, used for tap0 (tty) or eth0 (nic). */
  readonly mac: string;
  /** Interface MTU, 68 to 9000. */
  readonly mtu: number;
  readonly hostname: string;
  /** Guest RAM; must exceed 64 MiB plus the initramfs. Default 96. */
  readonly memoryMiB?: number;
  /** The console's size at boot, so the guest's `stty` matches the terminal that shows it (1 to 1000 each). */
  readonly consoleSize?: ConsoleSize;
  /**
   * A saved machine to start from instead of booting. `resume` continues exactly the machine that
   * was saved (from `Vm.saveState`, same config). `template` is a snapshot made by
   * `guest/snapshot.ts`, parked before its network came up: the host hands it this config's link,
   * MAC, MTU, hostname, console size and the time, and it goes on as if it had booted with them.
   */
  readonly snapshot?: { readonly kind: 'resume' | 'template'; readonly state: ArrayBuffer };
  /** Boot to a prompt that waits for its settings on ttyS2 (how a template snapshot is made). */
  readonly settingsFromSerial?: boolean;
  /** Extra kernel command line words, appended last. */
  readonly extraCmdline?: string;
}

/** Boot progress as the host sees it, in order. */
export type BootStage = 'loading' | 'booting' | 'restoring' | 'kernel' | 'userspace' | 'prompt' | 'stopped';

/** Counters a frame port keeps; every drop is counted by reason. */
export interface FramePortCounters {
  /** Frames (and bytes) sent into the guest. */
  framesIn: number;
  bytesIn: number;
  /** Frames (and bytes) the guest sent out. */
  framesOut: number;
  bytesOut: number;
  dropped: Record<string, number>;
}

/** A bidirectional Ethernet frame endpoint: `send` towards the guest, `onFrame` from it. */
export interface FramePort {
  send(frame: Uint8Array): void;
  /** Subscribes to frames the guest sends; returns the unsubscribe function. */
  onFrame(listener: (frame: Uint8Array) => void): () => void;
  readonly counters: FramePortCounters;
}

/** The guest's first serial port (ttyS0), where its shell lives. */
export interface VmConsole {
  write(data: string | Uint8Array): void;
  /** Subscribes to console output bytes; returns the unsubscribe function. */
  onOutput(listener: (bytes: Uint8Array) => void): () => void;
}

/** A serial line as raw bytes. */
export interface RawSerial {
  write(bytes: Uint8Array): void;
  /** Subscribes to bytes from the guest; returns the unsubscribe function. */
  onBytes(listener: (bytes: Uint8Array) => void): () => void;
}

/** A running guest. Created by `startVm` in src/vm/vm-host.ts (Node, worker or page). */
export interface Vm {
  readonly console: VmConsole;
  /** Frames carried over ttyS1 by tapper (link `tty`). */
  readonly tty: FramePort;
  /** Frames on the virtio-net NIC (link `nic`). */
  readonly nic: FramePort;
  /** The raw ttyS1 byte stream, below the framing: for diagnostics and framing tests (in-process hosts only). */
  readonly ttyRaw?: RawSerial;
  /** The raw ttyS2 byte stream (the settings line, console sizes): for diagnostics and tests (in-process hosts only). */
  readonly settingsRaw?: RawSerial;
  readonly stage: BootStage;
  /** Subscribes to stage changes; returns the unsubscribe function. */
  onStage(listener: (stage: BootStage) => void): () => void;
  /** Resolves once the shell prompt has appeared on the console. */
  waitForPrompt(): Promise<void>;
  /**
   * Tells the running guest its console's new size (the terminal was resized): the guest sets it
   * on ttyS0 and its foreground job gets SIGWINCH. Throws ERR_VM_CONFIG for a size outside 1 to 1000.
   */
  resizeConsole(size: ConsoleSize): void;
  saveState(): Promise<ArrayBuffer>;
  restoreState(state: ArrayBuffer): Promise<void>;
  destroy(): Promise<void>;
}
