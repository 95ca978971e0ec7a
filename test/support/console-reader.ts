// One guest console as the tests and benches read it: everything the guest printed, as text, and
// a way to type a command and get back what it printed. No Node or DOM API: guests under Node
// (test/support/guest.ts) and the bench page's guests in Chromium (bench/lan/page/) share it.
import type { VmConsole } from '../../src/vm/types.ts';

/** Output kept in memory: enough for any one command's output (ping, wc, /proc/net/snmp). */
const KEEP_CHARS = 256 * 1024;

interface Waiter {
  readonly re: RegExp;
  readonly from: number;
  readonly resolve: (m: RegExpMatchArray) => void;
}

export class ConsoleReader {
  /** The output kept (all of it, until it passes 2 * KEEP_CHARS). */
  text = '';
  /** Characters dropped from the front of `text`, so offsets stay absolute. */
  private dropped = 0;
  private runs = 0;
  private waiters: Waiter[] = [];
  // One streaming decoder: a UTF-8 sequence can be split across two output batches.
  private readonly decoder = new TextDecoder();

  private readonly console: VmConsole;

  /** Reads `vm`'s console (anything with one: a Vm, a WorkerVm). */
  constructor(vm: { readonly console: VmConsole }) {
    this.console = vm.console;
    this.console.onOutput((bytes) => {
      this.text += this.decoder.decode(bytes, { stream: true });
      if (this.text.length > 2 * KEEP_CHARS) this.trim();
      this.check();
    });
  }

  /** Absolute offset of the end of the output so far. */
  get end(): number {
    return this.dropped + this.text.length;
  }

  /** Resolves with the first match of `re` in output after absolute offset `from`. */
  waitFor(re: RegExp, timeoutMs = 20_000, from = 0): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${re}; console ends:\n${this.text.slice(-1000)}`));
      }, timeoutMs);
      const waiter: Waiter = { re, from, resolve: (m) => (clearTimeout(timer), resolve(m)) };
      this.waiters.push(waiter);
      this.check();
    });
  }

  /** Types `command` at the shell and resolves with what it printed, without the echo. */
  async run(command: string, timeoutMs = 20_000): Promise<string> {
    const id = ++this.runs;
    const from = this.end;
    // printf assembles the marker, so the echoed command line never matches it; the output starts
    // after the last echo of the marker command (typed-ahead input is echoed twice).
    this.console.write(`${command}; printf '%s_%s\\n' __END ${id}\n`);
    const echo = `__END ${id}`;
    const m = await this.waitFor(new RegExp(`${echo}[^\\n]*\\n((?:(?!${echo})[\\s\\S])*?)__END_${id}\\r?\\n`), timeoutMs, from);
    return m[1].replace(/\r/g, '');
  }

  private check(): void {
    this.waiters = this.waiters.filter((w) => {
      const m = this.text.slice(Math.max(0, w.from - this.dropped)).match(w.re);
      if (m) w.resolve(m);
      return !m;
    });
  }

  // Keeps the last KEEP_CHARS characters, and whatever a pending wait still needs to see.
  private trim(): void {
    const oldestWanted = Math.min(this.end - KEEP_CHARS, ...this.waiters.map((w) => w.from));
    const cut = Math.max(0, oldestWanted - this.dropped);
    this.text = this.text.slice(cut);
    this.dropped += cut;
  }
}
