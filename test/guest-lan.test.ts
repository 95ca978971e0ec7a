// The guest on a LAN the test plays: our DHCP responder gives it a lease over its link (ttyS1
// framing or the virtio-net NIC), and a test host at the router address answers ARP and ping.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createDhcpResponder, DHCP_SERVER_IP, DHCP_SERVER_MAC, isDhcpFromClient } from '../src/net/dhcp-responder.ts';
import type { LinkKind, Vm } from '../src/vm/types.ts';
import { bootGuest, ConsoleReader, loadTemplate } from './support/guest.ts';
import { createLanHost, type LanHost } from './support/lan-host.ts';

const GUEST_MAC = '52:54:00:ab:cd:ef';
const GUEST_IP = '10.0.2.15';

interface Ctx {
  vm?: Vm;
  con?: ConsoleReader;
  host?: LanHost;
  dhcp?: ReturnType<typeof createDhcpResponder>;
}

function lanSuite(link: Exclude<LinkKind, 'none'>, mtu: number, start: 'boot' | 'template'): void {
  const test = suite<Ctx>(`guest on a ${link} link (MTU ${mtu}, ${start === 'boot' ? 'booted' : 'restored from the template'})`, {});

  test.before(async (ctx) => {
    const snapshot = start === 'template' ? { kind: 'template' as const, state: loadTemplate()! } : undefined;
    const vm = await bootGuest(link, { mac: GUEST_MAC, mtu, consoleSize: { cols: 400, rows: 50 }, snapshot });
    const port = link === 'tty' ? vm.tty : vm.nic;
    const dhcp = createDhcpResponder({
      guestMac: GUEST_MAC,
      lease: { ip: GUEST_IP, netmask: '255.255.255.0', router: DHCP_SERVER_IP, dns: [DHCP_SERVER_IP], leaseSeconds: 3600, mtu },
    });
    const host = createLanHost({ mac: DHCP_SERVER_MAC, ip: DHCP_SERVER_IP, send: (f) => port.send(f) });
    port.onFrame((frame) => {
      if (isDhcpFromClient(frame)) {
        const reply = dhcp.handleFrame(frame);
        if (reply) port.send(reply);
        return;
      }
      host.receive(frame);
    });
    Object.assign(ctx, { vm, dhcp, host, con: new ConsoleReader(vm) });
    await vm.waitForPrompt();
  });

  test.after(async (ctx) => {
    await ctx.vm?.destroy();
  });

  test('takes the lease and says so on the console', async ({ con, dhcp }) => {
    const iface = link === 'tty' ? 'tap0' : 'eth0';
    await con!.waitFor(new RegExp(`peerlinux: ${iface} has address ${GUEST_IP.replace(/\./g, '\\.')}, router 10\\.0\\.2\\.1`), 30000);
    assert.is(dhcp!.counters.offer, 1);
    assert.is(dhcp!.counters.ack, 1);
    assert.is(dhcp!.counters.nak, 0);
  });

  test('configures address, route, DNS and MTU', async ({ vm, con }) => {
    const iface = link === 'tty' ? 'tap0' : 'eth0';
    assert.match(await con!.run(`ip -4 addr show dev ${iface}`), `inet ${GUEST_IP}/24`);
    assert.is(await con!.run('ip route | grep ^default'), `default via 10.0.2.1 dev ${iface} \n`);
    assert.is(await con!.run('cat /etc/resolv.conf'), 'nameserver 10.0.2.1\n');
    assert.is(await con!.run(`cat /sys/class/net/${iface}/mtu`), `${mtu}\n`);
  });

  test('pings the test host 3 times with 3 replies', async ({ vm, con, host }) => {
    const out = await con!.run('ping -c 3 -W 5 10.0.2.1', 30000);
    assert.match(out, '3 packets transmitted, 3 packets received, 0% packet loss');
    assert.is(host!.counters.echoRequestsAnswered, 3);
  });

  test('answers the test host\'s ping', async ({ host }) => {
    host!.ping(GUEST_IP, 7);
    const reply = await host!.nextEchoReply(GUEST_IP, 7);
    assert.is(reply.sequence, 7);
    assert.is(reply.from, GUEST_IP);
  });

  test.run();
}

lanSuite('tty', 1500, 'boot');
lanSuite('nic', 1500, 'boot');
lanSuite('nic', 9000, 'boot');
lanSuite('tty', 1500, 'template');
lanSuite('nic', 9000, 'template');
