// Builds the guest kernel command line from a VmConfig; the guest's rcS reads the peerlinux.* words.
import type { VmConfig } from './types.ts';

/** Smallest and largest interface MTU the guest accepts. */
export const MIN_MTU = 68;
export const MAX_MTU = 9000;
const MAC_PATTERN = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const HOSTNAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const EXTRA_PATTERN = /^[\x21-\x7e]+( [\x21-\x7e]+)*$/;

/** Thrown at once for a config the guest could not boot with. */
export class VmConfigError extends RangeError {
  readonly code = 'ERR_VM_CONFIG';
}

/** Returns the kernel command line for `config`, or throws VmConfigError for a bad field. */
export function buildCmdline(config: VmConfig): string {
  if (!['tty', 'nic', 'none'].includes(config.link)) throw new VmConfigError(`bad link kind: ${config.link}`);
  if (!MAC_PATTERN.test(config.mac)) throw new VmConfigError(`bad MAC: ${config.mac}`);
  if (parseInt(config.mac.slice(0, 2), 16) & 1) throw new VmConfigError(`multicast MAC: ${config.mac}`);
  if (!Number.isInteger(config.mtu) || config.mtu < MIN_MTU || config.mtu > MAX_MTU) {
    throw new VmConfigError(`bad MTU: ${config.mtu}`);
  }
  if (!HOSTNAME_PATTERN.test(config.hostname)) throw new VmConfigError(`bad hostname: ${config.hostname}`);
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
  if (config.consoleSize) {
    const { cols, rows } = config.consoleSize;
    if (!Number.isInteger(cols) || !Number.isInteger(rows) || cols < 1 || rows < 1 || cols > 1000 || rows > 1000) {
      throw new VmConfigError(`bad console size: ${cols}x${rows}`);
    }
    words.push(`peerlinux.cols=${cols}`, `peerlinux.rows=${rows}`);
  }
  if (config.extraCmdline) {
    if (!EXTRA_PATTERN.test(config.extraCmdline)) throw new VmConfigError('bad extra command line');
    words.push(config.extraCmdline);
  }
  return words.join(' ');
}
