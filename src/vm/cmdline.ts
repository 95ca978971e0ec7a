// Builds the guest kernel command line from a VmConfig; the guest's rcS reads the peerlinux.* words.
import type { ConsoleSize, VmConfig } from './types.ts';

/** Smallest and largest interface MTU the guest accepts. */
export const MIN_MTU = 68;
export const MAX_MTU = 9000;
/** Largest console width and height, in cells, the guest accepts (its winsize loop checks the same). */
export const MAX_CONSOLE_CELLS = 1000;
const MAC_PATTERN = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const HOSTNAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const EXTRA_PATTERN = /^[\x21-\x7e]+( [\x21-\x7e]+)*$/;

/** Thrown at once for a config the guest could not boot with. */
export class VmConfigError extends RangeError {
  readonly code = 'ERR_VM_CONFIG';
}

/** True for an object whose `cols` and `rows` are integers from 1 to MAX_CONSOLE_CELLS. */
export function isConsoleSize(value: unknown): value is ConsoleSize {
  if (typeof value !== 'object' || value === null) return false;
  const { cols, rows } = value as Record<string, unknown>;
  const ok = (n: unknown) => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= MAX_CONSOLE_CELLS;
  return ok(cols) && ok(rows);
}

/** Throws VmConfigError unless `size` is a console size the guest accepts. */
export function validateConsoleSize(size: ConsoleSize): void {
  if (!isConsoleSize(size)) {
    const { cols, rows } = (size ?? {}) as Partial<ConsoleSize>;
    throw new VmConfigError(`bad console size: ${cols}x${rows}`);
  }
}

/** Checks the fields the guest is told about; throws VmConfigError for the first bad one. */
export function validateVmConfig(config: VmConfig): void {
  if (!['tty', 'nic', 'none'].includes(config.link)) throw new VmConfigError(`bad link kind: ${config.link}`);
  if (!MAC_PATTERN.test(config.mac)) throw new VmConfigError(`bad MAC: ${config.mac}`);
  if (parseInt(config.mac.slice(0, 2), 16) & 1) throw new VmConfigError(`multicast MAC: ${config.mac}`);
  if (!Number.isInteger(config.mtu) || config.mtu < MIN_MTU || config.mtu > MAX_MTU) {
    throw new VmConfigError(`bad MTU: ${config.mtu}`);
  }
  if (!HOSTNAME_PATTERN.test(config.hostname)) throw new VmConfigError(`bad hostname: ${config.hostname}`);
  if (config.consoleSize) validateConsoleSize(config.consoleSize);
}

/** Returns the kernel command line for `config`, or throws VmConfigError for a bad field. */
export function buildCmdline(config: VmConfig): string {
  validateVmConfig(config);
  const words = [
    'console=ttyS0',
    'quiet',
    'loglevel=3',
    // The emulator's TSC and PIT drift apart under load; without this the watchdog prints a
    // warning on the console mid-session and falls back to a slower clocksource.
    'tsc=reliable',
    `peerlinux.link=${config.link}`,
    `peerlinux.mac=${config.mac}`,
    `peerlinux.mtu=${config.mtu}`,
    `peerlinux.hostname=${config.hostname}`,
  ];
  if (config.consoleSize) words.push(`peerlinux.cols=${config.consoleSize.cols}`, `peerlinux.rows=${config.consoleSize.rows}`);
  if (config.settingsFromSerial) words.push('peerlinux.config=serial', 'init_on_free=1');
  if (config.extraCmdline) {
    if (!EXTRA_PATTERN.test(config.extraCmdline)) throw new VmConfigError('bad extra command line');
    words.push(config.extraCmdline);
  }
  return words.join(' ');
}

/** The one line of settings a template snapshot reads from ttyS2 (see guest/rootfs/etc/init.d/settings). */
export function buildSettingsLine(config: VmConfig, nowMs: number): string {
  validateVmConfig(config);
  const words = [`link=${config.link}`, `mac=${config.mac}`, `mtu=${config.mtu}`, `hostname=${config.hostname}`];
  if (config.consoleSize) words.push(`cols=${config.consoleSize.cols}`, `rows=${config.consoleSize.rows}`);
  words.push(`time=${Math.floor(nowMs / 1000)}`);
  return words.join(' ') + '\n';
}

/** The line that resizes a running guest's console (read by guest/rootfs/etc/init.d/winsize on ttyS2). */
export function buildWinsizeLine(size: ConsoleSize): string {
  validateConsoleSize(size);
  return `winsize cols=${size.cols} rows=${size.rows}\n`;
}
