import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { clipboardAction } from '../src/ui/clipboard-keys.ts';

const action = suite('clipboardAction');
const key = (k: string, mods: string) => ({
  type: 'keydown',
  key: k,
  ctrlKey: mods.includes('ctrl'),
  shiftKey: mods.includes('shift'),
  altKey: mods.includes('alt'),
  metaKey: mods.includes('meta'),
});

const CASES: [string, string, boolean, string][] = [
  ['c', 'ctrl', false, 'guest'], // ^C interrupts the guest
  ['c', 'ctrl', true, 'copy'], // with a selection it copies instead
  ['C', 'ctrl+shift', false, 'copy'],
  ['C', 'ctrl+shift', true, 'copy'],
  ['c', 'meta', true, 'copy'],
  ['V', 'ctrl+shift', false, 'paste'],
  ['v', 'meta', false, 'paste'],
  ['v', 'ctrl', false, 'guest'], // ^V is the guest's literal-next
  ['c', 'alt+ctrl', true, 'guest'],
  ['c', '', true, 'guest'],
  ['x', 'ctrl+shift', true, 'guest'],
];
for (const [k, mods, sel, want] of CASES) {
  action(`${mods}+${k}${sel ? ' with a selection' : ''} -> ${want}`, () => assert.is(clipboardAction(key(k, mods), sel), want));
}

action.run();
