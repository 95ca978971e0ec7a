// Network namespaces for root-only tests: every namespace gets a per-run prefix, and `cleanup`
// deletes them all (with them go their veths, bridges, taps and processes' sockets), so nothing
// a test makes survives it and nothing touches the host's own interfaces.
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Test } from 'uvu';

/** Longest a test waits for a child's line before failing (a bound against hangs, not a timing check). */
export const WAIT_TIMEOUT_MS = 20_000;

/** True when namespace tests can run here: root, Linux, `ip` and /dev/net/tun present. */
export function canUseNetns(): boolean {
  return process.platform === 'linux' && process.getuid?.() === 0 && existsSync('/dev/net/tun') && spawnSync('ip', ['-V']).status === 0;
}

/** Wraps a uvu suite so its tests run only where canUseNetns(); elsewhere each says it was skipped. */
export function netnsOnly<T>(test: Test<T>): (name: string, fn: () => void | Promise<void>) => void {
  const enabled = canUseNetns();
  return (name, fn) =>
    test(name, async () => {
      if (!enabled) return console.log(`  skipped (needs root, ip and /dev/net/tun): ${name}`);
      await fn();
    });
}

/** Runs a command and returns its stdout; throws with stderr when it exits non-zero. */
export function sh(cmd: string, args: readonly string[], input?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** Runs a command; returns its exit status and output instead of throwing. */
export function trySh(cmd: string, args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A set of namespaces created for one test run, all removed by `cleanup`. */
export class NetnsLab {
  /** Short random prefix (interface names are at most 15 characters). */
  readonly prefix = `pl${randomBytes(3).toString('hex')}`;
  private readonly namespaces: string[] = [];
  private readonly children = new Set<ChildProcess>();

  /** Creates namespace `<prefix>-<role>` with loopback up; returns its name. */
  add(role: string): string {
    const name = `${this.prefix}-${role}`;
    sh('ip', ['netns', 'add', name]);
    this.namespaces.push(name);
    this.exec(name, 'ip', ['link', 'set', 'lo', 'up']);
    // IPv4 only: a still-tentative IPv6 address makes ICE pick a candidate that cannot send yet.
    this.exec(name, 'sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
    return name;
  }

  /** Runs a command inside a namespace and returns stdout; throws on failure. */
  exec(ns: string, cmd: string, args: readonly string[], input?: string): string {
    return sh('ip', ['netns', 'exec', ns, cmd, ...args], input);
  }

  /** Runs a command inside a namespace, returning status and output. */
  tryExec(ns: string, cmd: string, args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
    return trySh('ip', ['netns', 'exec', ns, cmd, ...args]);
  }

  /** Starts a long-running process inside a namespace; it is killed by `cleanup` if still alive. */
  spawn(ns: string, cmd: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['pipe', 'pipe', 'pipe'], ...options });
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    return child;
  }

  /** Connects two namespaces with a veth pair; returns the two interface names. */
  veth(nsA: string, nsB: string, tag: string): [string, string] {
    const a = `${this.prefix}${tag}a`;
    const b = `${this.prefix}${tag}b`;
    sh('ip', ['link', 'add', a, 'netns', nsA, 'type', 'veth', 'peer', 'name', b, 'netns', nsB]);
    return [a, b];
  }

  /** Kills what is still running and deletes every namespace; safe to call twice. */
  async cleanup(): Promise<void> {
    for (const child of this.children) {
      child.kill('SIGKILL');
      await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
    }
    for (const ns of this.namespaces.splice(0)) trySh('ip', ['netns', 'delete', ns]);
  }
}

/** Collects a child's stdout as JSON lines and lets a test wait for one matching a predicate. */
export class JsonLines<T = Record<string, unknown>> {
  readonly lines: T[] = [];
  private buffer = '';
  private waiters: Array<{ test: (line: T) => boolean; resolve: (line: T) => void; from: number }> = [];
  stderr = '';

  constructor(readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (text: string) => {
      this.buffer += text;
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        this.lines.push(JSON.parse(line) as T);
        this.poke();
      }
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (t: string) => (this.stderr += t));
  }

  /** Resolves with the first line (from index `from`) matching `test`; rejects if the child exits first or after `timeoutMs`. */
  wait(test: (line: T) => boolean, from = 0, timeoutMs = WAIT_TIMEOUT_MS): Promise<T> {
    return new Promise((resolve, reject) => {
      // A bound on waiting only, so a broken case fails instead of hanging the whole run.
      const onExit = (code: number | null, signal: string | null) => {
        clearTimeout(timer);
        reject(new Error(`child exited (${code ?? signal}) while waiting; stderr: ${this.stderr.slice(-2000)}`));
      };
      const timer = setTimeout(() => {
        this.child.off('exit', onExit);
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`no matching line after ${timeoutMs} ms; got ${JSON.stringify(this.lines.slice(-5))}; stderr: ${this.stderr.slice(-2000)}`));
      }, timeoutMs);
      const done = (line: T) => {
        clearTimeout(timer);
        this.child.off('exit', onExit);
        resolve(line);
      };
      this.child.once('exit', onExit);
      this.waiters.push({ test, resolve: done, from });
      this.poke();
    });
  }

  /** Writes one JSON command line to the child's stdin. */
  send(command: unknown): void {
    this.child.stdin!.write(`${JSON.stringify(command)}\n`);
  }

  private poke(): void {
    this.waiters = this.waiters.filter((w) => {
      const line = this.lines.slice(w.from).find(w.test);
      if (line === undefined) return true;
      w.resolve(line);
      return false;
    });
  }
}
