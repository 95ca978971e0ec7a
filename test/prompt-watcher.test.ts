import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PromptWatcher } from '../src/vm/prompt-watcher.ts';

const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const MOTD = '\r\n  peerlinux: a Linux machine in your browser tab, on a LAN with everyone in your room.\r\n';

const feed = suite('PromptWatcher.feed');

const CASES: [string, string[], string][] = [
  ['nothing yet', ['Linux version 6.1\r\n'], 'none'],
  ['a prompt before the motd does not count', ['root@guest:/root# '], 'none'],
  ['motd only', [MOTD], 'userspace'],
  ['motd then prompt', [MOTD, 'root@guest:/root# '], 'prompt'],
  ['prompt followed by the cursor query', [MOTD, 'root@guest:/root# \x1b[6n'], 'prompt'],
  ['prompt split across chunks', [MOTD, 'root@gu', 'est:~', '# '], 'prompt'],
  ['motd and prompt in one batch longer than the tail', [MOTD + 'x'.repeat(600) + '\r\nroot@guest:/root# '], 'prompt'],
  ['motd early in a long batch, prompt later', [MOTD + 'y'.repeat(1000), 'root@a-b:/tmp$ '], 'prompt'],
  ['text after the prompt sign is not a prompt', [MOTD, 'root@guest:/root# ls'], 'userspace'],
  ['no space after the sign', [MOTD, 'root@guest:/root#'], 'userspace'],
];

for (const [name, chunks, expected] of CASES) {
  feed(name, () => {
    const w = new PromptWatcher();
    let got = 'none';
    for (const c of chunks) got = w.feed(bytes(c));
    assert.is(got, expected);
  });
}

feed('stays at prompt once seen', () => {
  const w = new PromptWatcher();
  w.feed(bytes(MOTD + 'root@guest:/root# '));
  assert.is(w.feed(bytes('more output\r\n')), 'prompt');
});

feed.run();

const reset = suite('PromptWatcher.reset');

reset('forgets what it saw', () => {
  const w = new PromptWatcher();
  w.feed(bytes(MOTD + 'root@guest:/root# '));
  w.reset();
  assert.is(w.feed(bytes('root@guest:/root# ')), 'none');
});

reset.run();
