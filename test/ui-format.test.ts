import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatBytes, formatProgress, hostnameForMac, progressFraction, stageFraction, stageLabel } from '../src/ui/format.ts';

const bytes = suite('formatBytes');
const BYTES: [number, string][] = [
  [0, '0 B'],
  [-5, '0 B'],
  [999, '999 B'],
  [1000, '1.0 KB'],
  [1536, '1.5 KB'],
  [1_449_000, '1.4 MB'],
  [3_150_000, '3.1 MB'],
  [2_000_000_000, '2.0 GB'],
  [5_000_000_000_000, '5000.0 GB'],
];
for (const [n, text] of BYTES) bytes(`${n} -> ${text}`, () => assert.is(formatBytes(n), text));

const progress = suite('formatProgress');
progress('shows loaded of total', () => assert.is(formatProgress(1_400_000, 2_900_000), '1.4 MB / 2.9 MB'));
progress('shows just the loaded bytes while the total is unknown', () => assert.is(formatProgress(500, 0), '500 B'));

const fraction = suite('progressFraction');
const FRACTIONS: [number, number, number][] = [
  [0, 0, 0],
  [5, 0, 0],
  [0, 10, 0],
  [5, 10, 0.5],
  [10, 10, 1],
  [12, 10, 1],
];
for (const [loaded, total, f] of FRACTIONS) fraction(`${loaded}/${total} -> ${f}`, () => assert.is(progressFraction(loaded, total), f));

const stages = suite('stageLabel and stageFraction');
stages('labels every stage', () => {
  assert.is(stageLabel('loading'), 'Downloading the guest');
  assert.is(stageLabel('kernel'), 'Booting Linux');
  assert.is(stageLabel('restoring'), 'Restoring the snapshot');
  assert.is(stageLabel('prompt'), 'Ready');
  assert.is(stageLabel('stopped'), 'Stopped');
});
stages('boot stages advance from 0 to 1; stopped counts as 0', () => {
  assert.equal(
    (['loading', 'booting', 'kernel', 'userspace', 'prompt', 'stopped'] as const).map(stageFraction),
    [0, 0.25, 0.5, 0.75, 1, 0],
  );
});

const host = suite('hostnameForMac');
host('uses the last two bytes of the MAC', () => {
  assert.is(hostnameForMac('f2:fb:2a:52:26:c5'), 'peer-26c5');
  assert.is(hostnameForMac('02:00:00:00:AB:01'), 'peer-ab01');
});

bytes.run();
progress.run();
fraction.run();
stages.run();
host.run();
