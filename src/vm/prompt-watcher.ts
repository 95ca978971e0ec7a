// Watches console output for the guest's boot milestones: the motd (userspace is up) and the
// first shell prompt. Only the last few bytes are kept, so it costs nothing on a chatty console.

const TAIL_CHARS = 256;
/** Text of the guest's greeting (guest/rootfs/etc/motd) that shows userspace is up. */
export const MOTD_MARK = 'peerlinux: a Linux machine';
// `root@host:~# ` — user@host:cwd then `#` or `$` and a space, at the very end of the output.
const CURSOR_QUERY = /\x1b\[6n/g;
const PROMPT_PATTERN = /[a-z_][a-z0-9_-]*@[a-z0-9-]+:[^\s]*[#$] $/;

/** What the console has shown so far. */
export type PromptMilestone = 'none' | 'userspace' | 'prompt';

/** Tracks console bytes until the shell prompt appears. */
export class PromptWatcher {
  private tail = '';
  private milestone: PromptMilestone = 'none';

  /** Feeds console bytes; returns the furthest milestone seen so far. */
  feed(bytes: Uint8Array): PromptMilestone {
    if (this.milestone === 'prompt') return 'prompt';
    let text = '';
    for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    // Look for the motd in the whole batch before trimming: a batch can be longer than the tail.
    const seen = this.tail + text;
    if (this.milestone === 'none' && seen.includes(MOTD_MARK)) this.milestone = 'userspace';
    this.tail = seen.slice(-TAIL_CHARS);
    // busybox ash asks the terminal for the cursor position (ESC [ 6 n) right after its prompt.
    if (this.milestone === 'userspace' && PROMPT_PATTERN.test(this.tail.replace(CURSOR_QUERY, ''))) {
      this.milestone = 'prompt';
    }
    return this.milestone;
  }

  /** Forgets everything seen (after a state restore). */
  reset(): void {
    this.tail = '';
    this.milestone = 'none';
  }
}
