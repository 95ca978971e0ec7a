import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_LINK, readLinkChoice, writeLinkChoice } from '../src/ui/link-choice.ts';

const read = suite('readLinkChoice');
const READS: [string, string][] = [
  ['', 'tty'],
  ['?link=tty', 'tty'],
  ['?link=nic', 'nic'],
  ['?room=abc&link=nic', 'nic'],
  ['?link=none', DEFAULT_LINK],
  ['?link=NIC', DEFAULT_LINK],
  ['?link=', DEFAULT_LINK],
  ['?link=%00', DEFAULT_LINK],
];
for (const [search, link] of READS) read(`${JSON.stringify(search)} -> ${link}`, () => assert.is(readLinkChoice(search), link));

const write = suite('writeLinkChoice');
const WRITES: [string, 'tty' | 'nic', string][] = [
  ['http://h/', 'nic', 'http://h/?link=nic'],
  ['http://h/?link=nic', 'tty', 'http://h/'],
  ['http://h/?a=1#/room/x', 'nic', 'http://h/?a=1&link=nic#/room/x'],
  ['http://h/?link=nic&a=1', 'tty', 'http://h/?a=1'],
  ['http://h/?link=tty', 'nic', 'http://h/?link=nic'],
];
for (const [href, link, out] of WRITES) write(`${href} + ${link}`, () => assert.is(writeLinkChoice(href, link), out));
write('round-trips through readLinkChoice', () => {
  for (const link of ['tty', 'nic'] as const) assert.is(readLinkChoice(new URL(writeLinkChoice('http://h/?x=1', link)).search), link);
});

read.run();
write.run();
