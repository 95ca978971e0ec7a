// The gateway's test world, all in namespaces of one NetnsLab (no traffic leaves them):
//
//   wan  203.0.113.1/24 (+ .10 web, .53 DNS answering example.test -> 203.0.113.10)
//    │ veth
//   gw   203.0.113.2/24, default via .1; 172.16.5.1/24 to priv; br1 10.0.2.1/24 after host-setup
//    │ veth
//   priv 172.16.5.2/24 (web server that VMs must never reach)
//
// and, for tests with a room, `peers` (addPeersNamespace): 198.51.100.1/24, where the signaling
// server and the room's other members run, on a veth to gw's 198.51.100.2/24.
import { join } from 'node:path';
import { JsonLines, type NetnsLab } from './netns.ts';

/** Addresses of the test world. */
export const WAN_GATEWAY_IP = '203.0.113.2';
export const WAN_WEB_IP = '203.0.113.10';
export const WAN_DNS_IP = '203.0.113.53';
export const PRIVATE_WEB_IP = '172.16.5.2';
export const WEB_PORT = 8080;
export const TEST_NAME = 'example.test';
export const WAN_BODY = 'hello from the wan';
export const PRIVATE_BODY = 'secret';
export const PEERS_IP = '198.51.100.1';
export const GW_PEERS_IP = '198.51.100.2';

const NET_TOOL = ['--import', 'tsx', join('test', 'netns', 'net-tool.ts')];

/** The namespaces of the test world and the servers' request logs. */
export interface Topology {
  readonly wan: string;
  readonly gw: string;
  readonly priv: string;
  readonly wanWeb: JsonLines;
  readonly privateWeb: JsonLines;
}

/** Builds wan, gw and priv with their servers running; the lab's cleanup removes it all. */
export async function buildTopology(lab: NetnsLab): Promise<Topology> {
  const wan = lab.add('wan');
  const gw = lab.add('gw');
  const priv = lab.add('priv');
  const [wanSide, gwWan] = lab.veth(wan, gw, 'w');
  lab.exec(wan, 'ip', ['addr', 'add', '203.0.113.1/24', 'dev', wanSide]);
  lab.exec(wan, 'ip', ['addr', 'add', `${WAN_WEB_IP}/32`, 'dev', wanSide]);
  lab.exec(wan, 'ip', ['addr', 'add', `${WAN_DNS_IP}/32`, 'dev', wanSide]);
  lab.exec(wan, 'ip', ['link', 'set', wanSide, 'up']);
  lab.exec(gw, 'ip', ['addr', 'add', `${WAN_GATEWAY_IP}/24`, 'dev', gwWan]);
  lab.exec(gw, 'ip', ['link', 'set', gwWan, 'up']);
  lab.exec(gw, 'ip', ['route', 'add', 'default', 'via', '203.0.113.1']);
  const [privSide, gwPriv] = lab.veth(priv, gw, 'p');
  lab.exec(priv, 'ip', ['addr', 'add', `${PRIVATE_WEB_IP}/24`, 'dev', privSide]);
  lab.exec(priv, 'ip', ['link', 'set', privSide, 'up']);
  // A route back to the room, as a host on the gateway's private LAN would have: without the
  // egress policy, VMs would reach it.
  lab.exec(priv, 'ip', ['route', 'add', 'default', 'via', '172.16.5.1']);
  lab.exec(gw, 'ip', ['addr', 'add', '172.16.5.1/24', 'dev', gwPriv]);
  lab.exec(gw, 'ip', ['link', 'set', gwPriv, 'up']);

  lab.spawn(wan, 'dnsmasq', [
    '--keep-in-foreground', '--conf-file=/dev/null', '--no-hosts', '--no-resolv', '--bind-interfaces',
    `--listen-address=${WAN_DNS_IP}`, `--address=/${TEST_NAME}/${WAN_WEB_IP}`, '--pid-file=', '--user=root',
  ]);
  const wanWeb = new JsonLines(lab.spawn(wan, process.execPath, [...NET_TOOL, 'serve', WAN_WEB_IP, String(WEB_PORT), WAN_BODY]));
  const privateWeb = new JsonLines(lab.spawn(priv, process.execPath, [...NET_TOOL, 'serve', PRIVATE_WEB_IP, String(WEB_PORT), PRIVATE_BODY]));
  await wanWeb.wait((l) => l.listening === true);
  await privateWeb.wait((l) => l.listening === true);
  return { wan, gw, priv, wanWeb, privateWeb };
}

/** Runs net-tool in a namespace and returns its one JSON line. */
export function netTool(lab: NetnsLab, ns: string, args: readonly string[]): Record<string, unknown> {
  const text = lab.exec(ns, process.execPath, [...NET_TOOL, ...args]).trim().split('\n').pop() ?? '{}';
  return JSON.parse(text) as Record<string, unknown>;
}

/** Adds the `peers` namespace on a veth to `gw` (PEERS_IP there, GW_PEERS_IP on gw); returns its name. */
export function addPeersNamespace(lab: NetnsLab, gw: string): string {
  const peers = lab.add('peers');
  const [p, g] = lab.veth(peers, gw, 'r');
  lab.exec(peers, 'ip', ['addr', 'add', `${PEERS_IP}/24`, 'dev', p]);
  lab.exec(peers, 'ip', ['link', 'set', p, 'up']);
  lab.exec(gw, 'ip', ['addr', 'add', `${GW_PEERS_IP}/24`, 'dev', g]);
  lab.exec(gw, 'ip', ['link', 'set', g, 'up']);
  return peers;
}

/** Runs gateway/host-setup.sh or host-teardown.sh in `gw` with hostEnv; its exit status and output. */
export function hostScript(lab: NetnsLab, gw: string, stateDir: string, name: 'host-setup.sh' | 'host-teardown.sh') {
  return lab.tryExec(gw, 'env', [...hostEnv(stateDir), 'bash', join('gateway', name)]);
}

/** Environment for gateway/host-setup.sh and host-teardown.sh in the gw namespace. */
export function hostEnv(stateDir: string): string[] {
  return [`PEERLINUX_STATE_DIR=${stateDir}`, `PEERLINUX_DNS_UPSTREAM=${WAN_DNS_IP}`];
}

/** Packets counted by a named counter of the inet peerlinux table in a namespace. */
export function nftCounter(lab: NetnsLab, ns: string, name: string, table = 'peerlinux'): number {
  const json = JSON.parse(lab.exec(ns, 'nft', ['-j', 'list', 'counter', 'inet', table, name])) as {
    nftables: Array<{ counter?: { packets: number } }>;
  };
  return json.nftables.find((o) => o.counter)?.counter?.packets ?? -1;
}
