// Text for the status line: sizes, progress and boot stages.
import type { BootStage } from '../vm/types.ts';

const UNITS = ['B', 'KB', 'MB', 'GB'] as const;

/** A byte count in decimal units with one decimal place past kilobytes: `0 B`, `950 B`, `1.4 MB`. */
export function formatBytes(bytes: number): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** `loaded / total` as text, e.g. `1.4 MB / 2.9 MB`; just the loaded bytes while the total is unknown. */
export function formatProgress(loadedBytes: number, totalBytes: number): string {
  return totalBytes > 0 ? `${formatBytes(loadedBytes)} / ${formatBytes(totalBytes)}` : formatBytes(loadedBytes);
}

/** The fraction of the download done, 0 to 1 (0 while the total is unknown). */
export function progressFraction(loadedBytes: number, totalBytes: number): number {
  if (totalBytes <= 0) return 0;
  return Math.min(1, Math.max(0, loadedBytes / totalBytes));
}

const STAGE_LABELS: Readonly<Record<BootStage, string>> = {
  loading: 'Downloading the guest',
  booting: 'Starting the emulator',
  restoring: 'Restoring the snapshot',
  kernel: 'Booting Linux',
  userspace: 'Starting the shell',
  prompt: 'Ready',
  stopped: 'Stopped',
};

/** What the status line says for a boot stage. */
export function stageLabel(stage: BootStage): string {
  return STAGE_LABELS[stage];
}

/** How far along the boot a stage is, 0 to 1, for the boot half of the progress bar. */
export function stageFraction(stage: BootStage): number {
  const order: readonly BootStage[] = ['loading', 'booting', 'kernel', 'userspace', 'prompt'];
  // A restored snapshot skips the kernel: it is as far along as a booted kernel.
  const i = order.indexOf(stage === 'restoring' ? 'kernel' : stage);
  return i < 0 ? 0 : i / (order.length - 1);
}

/** The hostname a guest gets from its MAC: `peer-` and the MAC's last two bytes, e.g. `peer-3fa2`. */
export function hostnameForMac(mac: string): string {
  return 'peer-' + mac.split(':').slice(-2).join('').toLowerCase();
}
