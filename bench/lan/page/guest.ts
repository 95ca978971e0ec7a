// One guest of the bench page: the app's own worker-backed VM (src/vm/worker-client.ts, the same
// Worker and frame transfer as the app), booted from the template snapshot, its DHCP answered on
// its own port as the app answers it, every other frame handed to the path under test.
// MACs and leases are those of bench/lan/paths.ts, so the Node and page paths differ only in
// where the emulators run and what carries the frames.
import { createDhcpResponder, isDhcpFromClient } from '../../../src/net/dhcp-responder.ts';
import type { FramePort } from '../../../src/vm/types.ts';
import { startWorkerVm, type WorkerVm } from '../../../src/vm/worker-client.ts';
import { ConsoleReader } from '../../../test/support/console-reader.ts';

const MACS = ['52:54:00:4c:00:01', '52:54:00:4c:00:02'] as const;
const LEASE_IPS = ['10.0.2.15', '10.0.2.16'] as const;
const BOOT_WAIT_MS = 90_000;
// Read up to the line's end: a console batch can stop in the middle of the address.
const LEASE_LINE = /peerlinux: \w+ has address (\d+\.\d+\.\d+\.\d+)(?:, router [0-9.]+)?\r?\n/;

/** A booting guest; `ip` is its leased address once `ready` resolves. */
export interface PageGuest {
  readonly vm: WorkerVm;
  readonly console: ConsoleReader;
  readonly port: FramePort;
  readonly ready: Promise<void>;
  readonly ip: string;
}

/** Boots guest `index` (0 or 1) on `link` at `mtu`, with the bench's wide console. */
export function startGuest(index: 0 | 1, link: 'tty' | 'nic', mtu: number): PageGuest {
  const vm = startWorkerVm({
    imagesUrl: new URL('images/', document.baseURI).href,
    link,
    mac: MACS[index],
    mtu,
    hostname: 'bench',
    consoleSize: { cols: 400, rows: 50 },
    boot: 'auto',
  });
  const reader = new ConsoleReader(vm);
  let ip = '';
  // waitForPrompt fails on a worker error; the lease wait would only time out, so race it too.
  const failed = new Promise<never>((_, reject) => vm.onError((err) => reject(err)));
  const leased = (async () => {
    await vm.waitForPrompt();
    ip = (await reader.waitFor(LEASE_LINE, BOOT_WAIT_MS))[1];
  })();
  return {
    vm,
    console: reader,
    port: link === 'tty' ? vm.tty : vm.nic,
    ready: Promise.race([leased, failed]),
    get ip() {
      return ip;
    },
  };
}

/** Answers guest `index`'s DHCP on its own port and hands every other frame to `out`. */
export function withLocalDhcp(g: PageGuest, index: 0 | 1, mtu: number, out: (frame: Uint8Array) => void): void {
  const dhcp = createDhcpResponder({ guestMac: MACS[index], lease: { ip: LEASE_IPS[index], netmask: '255.255.255.0', leaseSeconds: 3600, mtu } });
  g.port.onFrame((frame) => {
    if (!isDhcpFromClient(frame)) return out(frame);
    const reply = dhcp.handleFrame(frame);
    if (reply) g.port.send(reply);
  });
}
