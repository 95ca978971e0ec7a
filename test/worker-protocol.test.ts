import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ownedBuffer, parsePageMessage, parseWorkerMessage } from '../src/vm/worker-protocol.ts';

const CONFIG = { imagesUrl: 'http://x/images/', link: 'tty', mac: '02:00:00:00:00:01', mtu: 1500, hostname: 'peer-0001' };
const buf = () => new ArrayBuffer(4);

const parsePage = suite('parsePageMessage');

const PAGE_VALID: [string, unknown][] = [
  ['boot', { type: 'boot', generation: 0, config: CONFIG }],
  ['boot with optional fields', { type: 'boot', generation: 3, config: { ...CONFIG, link: 'nic', wasmUrl: 'http://x/v86.wasm', memoryMiB: 128, consoleSize: { cols: 80, rows: 24 }, extraCmdline: 'x=1' } }],
  ['console-in', { type: 'console-in', bytes: buf() }],
  ['frame-in tty', { type: 'frame-in', port: 'tty', frame: buf() }],
  ['frame-in nic', { type: 'frame-in', port: 'nic', frame: buf() }],
  ['resize', { type: 'resize', cols: 80, rows: 24 }],
  ['resize at the limits', { type: 'resize', cols: 1000, rows: 1 }],
  ['save', { type: 'save', id: 1 }],
  ['restore', { type: 'restore', id: 2, state: buf() }],
  ['stop', { type: 'stop' }],
];
for (const [name, msg] of PAGE_VALID) {
  parsePage(`accepts ${name}`, () => {
    assert.equal(parsePageMessage(msg), msg);
  });
}

const PAGE_INVALID: [string, unknown][] = [
  ['null', null],
  ['a string', 'boot'],
  ['no type', {}],
  ['an unknown type', { type: 'reboot' }],
  ['boot without generation', { type: 'boot', config: CONFIG }],
  ['boot with a negative generation', { type: 'boot', generation: -1, config: CONFIG }],
  ['boot with a bad link', { type: 'boot', generation: 0, config: { ...CONFIG, link: 'wifi' } }],
  ['boot with a fractional mtu', { type: 'boot', generation: 0, config: { ...CONFIG, mtu: 1500.5 } }],
  ['boot with a bad console size', { type: 'boot', generation: 0, config: { ...CONFIG, consoleSize: { cols: '80', rows: 24 } } }],
  ['boot without config', { type: 'boot', generation: 0 }],
  ['console-in with a string', { type: 'console-in', bytes: 'ls\n' }],
  ['console-in with a Uint8Array', { type: 'console-in', bytes: new Uint8Array(2) }],
  ['frame-in on a bad port', { type: 'frame-in', port: 'eth0', frame: buf() }],
  ['frame-in without frame', { type: 'frame-in', port: 'tty' }],
  ['save with a string id', { type: 'save', id: '1' }],
  ['resize without rows', { type: 'resize', cols: 80 }],
  ['resize with zero cols', { type: 'resize', cols: 0, rows: 24 }],
  ['resize with rows over 1000', { type: 'resize', cols: 80, rows: 1001 }],
  ['resize with negative rows', { type: 'resize', cols: 80, rows: -24 }],
  ['resize with fractional cols', { type: 'resize', cols: 80.5, rows: 24 }],
  ['resize with NaN cols', { type: 'resize', cols: Number.NaN, rows: 24 }],
  ['resize with string sizes', { type: 'resize', cols: '80', rows: '24' }],
  ['resize with the size nested', { type: 'resize', size: { cols: 80, rows: 24 } }],
  ['restore without state', { type: 'restore', id: 1 }],
];
for (const [name, msg] of PAGE_INVALID) {
  parsePage(`rejects ${name} with ERR_BAD_MESSAGE`, () => {
    const r = parsePageMessage(msg);
    assert.is(r.type, 'invalid');
    assert.is((r as { code: string }).code, 'ERR_BAD_MESSAGE');
  });
}

const parseWorker = suite('parseWorkerMessage');

const WORKER_VALID: [string, unknown][] = [
  ['progress', { type: 'progress', generation: 0, loadedBytes: 10, totalBytes: 100 }],
  ['stage', { type: 'stage', generation: 1, stage: 'kernel' }],
  ['console-out', { type: 'console-out', generation: 0, bytes: buf() }],
  ['frame-out', { type: 'frame-out', generation: 0, port: 'nic', frame: buf() }],
  ['saved', { type: 'saved', id: 4, state: buf() }],
  ['restored', { type: 'restored', id: 4 }],
  ['stopped', { type: 'stopped' }],
  ['error with id', { type: 'error', code: 'ERR_NO_VM', message: 'm', id: 3, generation: undefined }],
  ['error with generation', { type: 'error', code: 'ERR_BOOT_FAILED', message: 'm', id: undefined, generation: 2 }],
];
for (const [name, msg] of WORKER_VALID) {
  parseWorker(`accepts ${name}`, () => {
    assert.equal(parseWorkerMessage(msg), msg);
  });
}

const WORKER_INVALID: [string, unknown][] = [
  ['undefined', undefined],
  ['an unknown type', { type: 'hello' }],
  ['progress without generation', { type: 'progress', loadedBytes: 1, totalBytes: 2 }],
  ['a stage not in the list', { type: 'stage', generation: 0, stage: 'halted' }],
  ['console-out with an array', { type: 'console-out', generation: 0, bytes: [1, 2] }],
  ['frame-out on a bad port', { type: 'frame-out', generation: 0, port: 'x', frame: buf() }],
  ['saved without state', { type: 'saved', id: 1 }],
  ['error without code', { type: 'error', message: 'm' }],
];
for (const [name, msg] of WORKER_INVALID) {
  parseWorker(`rejects ${name}`, () => {
    assert.is(parseWorkerMessage(msg).type, 'invalid');
  });
}

const owned = suite('ownedBuffer');

owned('reuses the buffer of a view that spans it', () => {
  const bytes = Uint8Array.of(1, 2, 3);
  assert.is(ownedBuffer(bytes), bytes.buffer);
});

owned('copies exactly the viewed bytes of a partial view', () => {
  const whole = Uint8Array.of(9, 1, 2, 3, 9);
  const out = ownedBuffer(whole.subarray(1, 4));
  assert.is.not(out, whole.buffer);
  assert.equal([...new Uint8Array(out)], [1, 2, 3]);
});

parsePage.run();
parseWorker.run();
owned.run();
