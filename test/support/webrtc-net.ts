// Gives Node WebRTC peers on this host an interface to meet on: libdatachannel gathers no
// loopback candidates, and this kernel has no `dummy` driver, so the test makes a veth pair with
// a /32 from the benchmarking range 198.18.0.0/15 and removes it afterwards.
import { execFileSync } from 'node:child_process';

/** A veth pair made for one test run; `remove` deletes it (idempotent). */
export interface TestInterface {
  readonly name: string | null;
  readonly ip: string | null;
  remove(): void;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'ignore' });
}

/** Creates `plv<n>a`/`plv<n>b` with 198.18.x.y/32 on the first end; without root, does nothing. */
export function createTestInterface(): TestInterface {
  if (process.getuid?.() !== 0) return { name: null, ip: null, remove() {} };
  const n = process.pid % 10000;
  const name = `plv${n}a`;
  const addr = `198.18.${(n >> 8) & 0xff}.${(n & 0xff) || 1}`;
  try {
    ip('link', 'del', name);
  } catch {
    // not left over from an earlier run
  }
  ip('link', 'add', name, 'type', 'veth', 'peer', 'name', `plv${n}b`);
  // No IPv6 link-local addresses: one still tentative (duplicate address detection) right after
  // `up` yields a candidate that cannot send yet, which ICE may pick and DTLS then times out on.
  for (const end of [name, `plv${n}b`]) ip('link', 'set', end, 'addrgenmode', 'none');
  ip('addr', 'add', `${addr}/32`, 'dev', name);
  ip('link', 'set', name, 'up');
  ip('link', 'set', `plv${n}b`, 'up');
  let removed = false;
  return {
    name,
    ip: addr,
    remove() {
      if (removed) return;
      removed = true;
      try {
        ip('link', 'del', name); // deletes both ends
      } catch {
        // already gone
      }
    },
  };
}
