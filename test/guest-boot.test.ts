// Boots the committed guest images in v86 under Node and checks what a user finds at the prompt,
// and that tapper's framing matches ours byte for byte in both directions.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CompatFrameDecoder, encodeCompatFrame } from '../src/net/compat-framing.ts';
import { encodeTtyFrame, TtyFrameDecoder } from '../src/net/tty-framing.ts';
import type { Vm } from '../src/vm/types.ts';
import { MAX_TTY_BACKLOG_BYTES } from '../src/vm/vm-host.ts';
import { bootGuest, ConsoleReader } from './support/guest.ts';
import { arpRequest } from './support/frames.ts';
import { concat } from './support/bytes.ts';

const GUEST_MAC = '52:54:00:12:34:56';
// Wide enough that busybox never wraps an echoed command line.
const WIDE = { cols: 400, rows: 50 };

const tty = suite<{ vm?: Vm; con?: ConsoleReader; raw: Uint8Array[] }>('startVm link=tty', { raw: [] });

tty.before(async (ctx) => {
  ctx.vm = await bootGuest('tty', { mac: GUEST_MAC, consoleSize: WIDE });
  ctx.vm.ttyRaw!.onBytes((b) => ctx.raw.push(b));
  ctx.con = new ConsoleReader(ctx.vm);
  await ctx.vm.waitForPrompt();
});

tty.after(async (ctx) => {
  await ctx.vm?.destroy();
});

tty('shows the motd and a root prompt', ({ con }) => {
  assert.match(con!.text, 'peerlinux: a Linux machine in your browser tab');
  assert.match(con!.text, /root@guest:\/root# /);
});

tty('runs an i686 kernel', async ({ vm, con }) => {
  assert.is(await con!.run('uname -m'), 'i686\n');
});

tty('has /dev/ttyS1 and tapper on it with our MAC and MTU', async ({ vm, con }) => {
  assert.is(await con!.run('test -c /dev/ttyS1 && echo char-device'), 'char-device\n');
  assert.is(await con!.run('cat /proc/$(pidof tapper)/cmdline | tr "\\0" " "; echo'), '/sbin/tapper --mtu 1500 --mac 52:54:00:12:34:56 \n');
  assert.is(await con!.run('cat /sys/class/net/tap0/address /sys/class/net/tap0/mtu'), '52:54:00:12:34:56\n1500\n');
});

tty('tapper frames are byte-identical to encodeTtyFrame', ({ raw }) => {
  // By now the guest has sent DHCP DISCOVERs. Re-encode what we decoded: it must be the raw stream.
  const stream = concat(...raw);
  const frames = new TtyFrameDecoder().push(stream);
  assert.ok(frames.length >= 1, 'the guest sent at least one frame');
  const reencoded = concat(...frames.map(encodeTtyFrame));
  // The stream may end mid-frame; compare the whole frames it holds.
  assert.equal(stream.subarray(0, reencoded.length), reencoded);
});

tty('tapper drops corrupt input, counts it, and decodes the next good frame', async ({ vm, con }) => {
  const request = arpRequest({ senderMac: '02:00:00:00:00:99', senderIp: '10.0.2.99', targetIp: '10.0.2.15' });
  const flipped = encodeTtyFrame(request);
  flipped[20] ^= 0x01;
  const garbage = Uint8Array.of(0x41, 0x42, 0xdb, 0x00, 0xc0, 0x13, 0x37);
  await con!.run('ip addr add 10.0.2.15/24 dev tap0');
  const replies: Uint8Array[] = [];
  const off = vm!.tty.onFrame((f) => {
    if (f[12] === 0x08 && f[13] === 0x06 && f[21] === 2) replies.push(f);
  });
  vm!.ttyRaw!.write(concat(garbage, flipped, encodeTtyFrame(request)));
  await con!.run('sleep 1');
  off();
  assert.is(replies.length, 1, 'exactly one ARP reply: to the good copy');
  const stats = await con!.run('kill -USR1 $(pidof tapper); sleep 1; tail -n 1 /var/log/tapper.log');
  assert.match(stats, /bad_crc=1 bad_escape=1 oversize=0 runt=1/);
  await con!.run('ip addr del 10.0.2.15/24 dev tap0');
});

tty('drops and counts frames once ttyS1 holds more than MAX_TTY_BACKLOG_BYTES for the guest', async ({ vm, con }) => {
  await con!.run('sleep 1'); // nothing else waits in the UART now
  // 1514-byte frames for another MAC with no byte that needs escaping: 1520 bytes each on ttyS1.
  const frame = new Uint8Array(1514).fill(0x11);
  frame.set([0x02, 0, 0, 0, 0, 0x77, 0x02, 0, 0, 0, 0, 0x78, 0x08, 0x00]);
  const before = { ...vm!.tty.counters, dropped: { ...vm!.tty.counters.dropped } };
  // One synchronous burst: the emulator reads nothing in between.
  for (let i = 0; i < 40; i++) vm!.tty.send(frame);
  const accepted = Math.floor(MAX_TTY_BACKLOG_BYTES / 1520) + 1;
  assert.is(vm!.tty.counters.framesIn - before.framesIn, accepted);
  assert.is((vm!.tty.counters.dropped['tty-backlog'] ?? 0) - (before.dropped['tty-backlog'] ?? 0), 40 - accepted);
  // The guest still takes new frames once it has read the backlog.
  await con!.run('sleep 2');
  vm!.tty.send(frame);
  assert.is(vm!.tty.counters.framesIn - before.framesIn, accepted + 1);
});

tty('tapper --compat speaks jslinux-tap framing', async ({ vm, con }) => {
  await con!.run('kill $(pidof udhcpc) $(pidof tapper); sleep 1');
  vm!.console.write('tapper --compat --mac 52:54:00:12:34:56 2>/var/log/compat.log & sleep 1; ip addr add 10.0.2.15/24 dev tap0\n');
  await con!.run('sleep 1');
  const decoder = new CompatFrameDecoder();
  const frames: Uint8Array[] = [];
  const off = vm!.ttyRaw!.onBytes((b) => frames.push(...decoder.push(b)));
  const request = arpRequest({ senderMac: '02:00:00:00:00:99', senderIp: '10.0.2.99', targetIp: '10.0.2.15' });
  vm!.ttyRaw!.write(encodeCompatFrame(request));
  await con!.run('sleep 1');
  off();
  const reply = frames.find((f) => f[12] === 0x08 && f[13] === 0x06 && f[21] === 2);
  assert.ok(reply, 'an ARP reply came back in compat framing');
  assert.equal([...reply!.subarray(0, 6)], [0x02, 0, 0, 0, 0, 0x99]);
  assert.equal([...reply!.subarray(28, 32)], [10, 0, 2, 15]);
});

tty.run();

const nic = suite<{ vm?: Vm; con?: ConsoleReader }>('startVm link=nic', {});

nic.before(async (ctx) => {
  ctx.vm = await bootGuest('nic', { mac: GUEST_MAC, mtu: 9000, consoleSize: WIDE, hostname: 'nicguest' });
  ctx.con = new ConsoleReader(ctx.vm);
  await ctx.vm.waitForPrompt();
});

nic.after(async (ctx) => {
  await ctx.vm?.destroy();
});

nic('sets eth0 MAC and MTU from the command line and runs udhcpc on it', async ({ vm, con }) => {
  assert.is(await con!.run('cat /sys/class/net/eth0/address /sys/class/net/eth0/mtu'), '52:54:00:12:34:56\n9000\n');
  assert.is(await con!.run('hostname'), 'nicguest\n');
  assert.match(await con!.run('ps'), 'udhcpc -f -S -i eth0');
  assert.is(await con!.run('pidof tapper || echo none'), 'none\n');
});

nic.run();
