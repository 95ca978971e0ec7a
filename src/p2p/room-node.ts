// One node of a room: this page's guest (or the gateway's tap) on the local port of a switch,
// every other member on a peer port backed by a data channel, peers and addresses from signaling.
//
//   guest ──FramePort──> [DHCP? answer locally] ──> switch ──> mesh ──> data channels
//   guest <──FramePort── switch <── mesh <── data channels
//   signaling: welcome/peer-joined/peer-left/peer-announced/signal ──> mesh, switch ports, lease
//
// No DOM, no Node API, and no idea where the VM runs: it takes a FramePort. Its state is a plain
// snapshot plus a `change` event, so a Svelte class can mirror it with `$state.raw`.
import type { DhcpLease, DhcpResponder } from '../net/dhcp-responder.ts';
import { createDhcpResponder, DHCP_SERVER_IP, isDhcpFromClient } from '../net/dhcp-responder.ts';
import type { PeerInfo, PeerKind, WelcomeMessage } from '../net/signal-protocol.ts';
import { EthernetSwitch } from '../net/switch.ts';
import type { FramePort } from '../vm/types.ts';
import { Emitter } from './emitter.ts';
import type { MemberLinkState, MeshOptions } from './mesh.ts';
import { Mesh } from './mesh.ts';
import type { WrtcImplementation } from './node-webrtc.ts';
import type { ChannelMode } from './peer-link.ts';
import type { ClientState, SignalingClientOptions } from './signaling-client.ts';
import { SignalingClient } from './signaling-client.ts';

/** The switch port id of this node's own guest or tap. */
export const LOCAL_PORT = 'local';
/** Lease length while a gateway is in the room. */
export const LEASE_SECONDS = 3600;
/** Lease length while the room is isolated: short, so a guest picks up the router (renewal at half
 * the lease) soon after a gateway joins. */
export const ISOLATED_LEASE_SECONDS = 120;
/** The room's netmask (10.0.2.0/24). */
export const ROOM_NETMASK = '255.255.255.0';

/** Options of a room node. */
export interface RoomNodeOptions {
  /** Signaling WebSocket URL, e.g. `wss://host/signal`. */
  readonly url: string;
  readonly room: string;
  /** The guest's (or tap's) MAC, announced to the room. */
  readonly mac: string;
  /** This node's frames: the guest's tty or nic port, or the gateway's tap. */
  readonly port: FramePort;
  readonly kind?: PeerKind;
  /** Answer the guest's DHCP locally; default true for a VM, false for a gateway. */
  readonly dhcp?: boolean;
  readonly hostname?: string;
  readonly channelMode?: ChannelMode;
  /** ICE servers; default the list from the server's welcome. */
  readonly iceServers?: readonly unknown[];
  readonly wrtc?: WrtcImplementation;
  /** Signaling client options (WebSocket constructor for Node, a kept peer id and token, backoff). */
  readonly signaling?: Partial<Omit<SignalingClientOptions, 'url' | 'room' | 'kind'>>;
  /** Checks each frame from a peer before switching it: a drop reason (counted by the filter) or null to accept. */
  readonly ingressFilter?: (peerId: string, frame: Uint8Array) => string | null;
  /** Mesh options (retry backoff, RTT interval, link limits). */
  readonly mesh?: Partial<Pick<MeshOptions, 'backoff' | 'rttIntervalMs' | 'link' | 'random'>>;
}

/** One other member as the page shows it. */
export interface PeerView {
  readonly peerId: string;
  readonly ip: string;
  readonly mac: string | null;
  readonly kind: PeerKind;
  readonly link: MemberLinkState;
  readonly rttMs: number | null;
  readonly framesIn: number;
  readonly framesOut: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Frames this node could not send to the peer (link not open, buffer full). */
  readonly dropped: number;
  readonly lastError: string | null;
}

/** Whether the room reaches the internet through a gateway. */
export type NetworkReach = 'internet' | 'isolated';

/** Everything a page shows about its room membership. */
export interface RoomNodeState {
  readonly signaling: ClientState;
  readonly peerId: string | null;
  readonly ip: string | null;
  readonly mac: string;
  readonly network: NetworkReach;
  readonly peers: readonly PeerView[];
}

/** Events of a room node. */
export interface RoomNodeEvents {
  /** Membership, link state, RTT or signaling state changed; read `state()` again. */
  change: void;
  /** The signaling client stopped for good (code as in SignalingClient's `closed`). */
  closed: { code: string; message: string };
  /** A signaling error worth showing (the membership may go on). */
  error: { code: string; message: string };
}

/** Frames the node handles itself rather than switching. */
export interface RoomNodeCounters {
  /** DHCP from the guest before the first welcome (no address to give yet). */
  dhcpBeforeLease: number;
  /** DHCP replies sent to the guest. */
  dhcpReplies: number;
}

/** Glue for one node: signaling client, mesh, switch, local port and the guest's DHCP. */
export class RoomNode extends Emitter<RoomNodeEvents> {
  readonly switch = new EthernetSwitch();
  readonly client: SignalingClient;
  readonly counters: RoomNodeCounters = { dhcpBeforeLease: 0, dhcpReplies: 0 };
  mesh: Mesh | null = null;
  dhcp: DhcpResponder | null = null;
  private readonly members = new Map<string, PeerInfo>();
  private readonly kind: PeerKind;
  private readonly serveDhcp: boolean;
  private readonly unsubscribe: () => void;
  private mtu: number | undefined;
  private iceServers: readonly unknown[] = [];
  private closed = false;

  constructor(private readonly options: RoomNodeOptions) {
    super();
    this.kind = options.kind ?? 'vm';
    this.serveDhcp = options.dhcp ?? this.kind === 'vm';
    const port = options.port;
    this.switch.addPort(LOCAL_PORT, 'local', (frame) => port.send(frame));
    this.unsubscribe = port.onFrame((frame) => this.onLocalFrame(frame));
    this.client = new SignalingClient({ ...options.signaling, url: options.url, room: options.room, kind: this.kind });
    // Stored by the client and sent with every (re)join.
    this.client.announce(options.mac);
    this.client.on('welcome', (w) => this.onWelcome(w));
    this.client.on('peer-joined', (p) => this.addMember(p));
    this.client.on('peer-left', ({ peerId }) => this.removeMember(peerId));
    this.client.on('peer-announced', ({ peerId, mac }) => this.onAnnounced(peerId, mac));
    this.client.on('signal', ({ from, data }) => this.mesh?.handleSignal(from, data));
    this.client.on('state', () => this.changed());
    this.client.on('error', (e) => this.emit('error', e));
    this.client.on('closed', (c) => {
      this.emit('closed', c);
      this.changed();
    });
  }

  /** A snapshot of the membership, links and addresses. */
  state(): RoomNodeState {
    const peers: PeerView[] = [];
    for (const p of this.members.values()) {
      const s = this.mesh?.member(p.peerId);
      const c = s?.counters;
      let dropped = 0;
      if (c) for (const n of Object.values(c.dropped)) dropped += n;
      peers.push({
        ...p,
        link: s?.state ?? 'waiting',
        rttMs: s?.rttMs ?? null,
        framesIn: c?.framesIn ?? 0,
        framesOut: c?.framesOut ?? 0,
        bytesIn: c?.bytesIn ?? 0,
        bytesOut: c?.bytesOut ?? 0,
        dropped,
        lastError: s?.lastError ?? null,
      });
    }
    return {
      signaling: this.client.state,
      peerId: this.client.peerId ?? null,
      ip: this.client.ip ?? null,
      mac: this.options.mac,
      network: this.gatewayPresent() ? 'internet' : 'isolated',
      peers,
    };
  }

  /** Leaves the room: closes signaling (the address is freed at once) and every link. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    this.client.close();
    this.mesh?.close();
    for (const id of this.members.keys()) this.switch.removePort(id);
    this.members.clear();
  }

  private onLocalFrame(frame: Uint8Array): void {
    if (this.serveDhcp && isDhcpFromClient(frame)) {
      // The guest's DHCP is answered here and never crosses the mesh.
      if (!this.dhcp) return void this.counters.dhcpBeforeLease++;
      const reply = this.dhcp.handleFrame(frame);
      if (reply) {
        this.counters.dhcpReplies++;
        this.options.port.send(reply);
      }
      return;
    }
    this.switch.input(LOCAL_PORT, frame);
  }

  private onWelcome(w: WelcomeMessage): void {
    if (this.closed) return;
    this.mtu = w.mtu;
    this.iceServers = this.options.iceServers ?? w.iceServers;
    // A new peer id (the old one expired or was taken) means every other member sees a stranger:
    // start the mesh over so initiator choice and sessions follow the new id.
    if (this.mesh && this.client.peerId !== this.meshSelf) {
      this.mesh.close();
      this.mesh = null;
    }
    if (!this.mesh) this.mesh = this.createMesh(w.peerId);
    for (const p of w.peers) this.addMember(p);
    this.updateLease();
    this.changed();
  }

  private meshSelf: string | undefined;

  private createMesh(selfId: string): Mesh {
    this.meshSelf = selfId;
    const mesh = new Mesh({
      ...this.options.mesh,
      selfId,
      sendSignal: (to, data) => this.client.signal(to, data),
      channelMode: this.options.channelMode,
      iceServers: this.iceServers,
      wrtc: this.options.wrtc,
    });
    mesh.on('frame', ({ peerId, frame }) => {
      // The gateway's spoof filter: a refused frame never reaches the switch, so it cannot poison the MAC table.
      if (this.options.ingressFilter?.(peerId, frame) != null) return;
      this.switch.input(peerId, frame);
    });
    mesh.on('state', () => this.changed());
    mesh.on('rtt', () => this.changed());
    // Links of members we already know (a restarted mesh) come back at once.
    for (const id of this.members.keys()) mesh.addPeer(id);
    return mesh;
  }

  private addMember(p: PeerInfo): void {
    if (this.closed || p.peerId === this.client.peerId) return;
    const known = this.members.has(p.peerId);
    this.members.set(p.peerId, p);
    if (!known) {
      this.switch.addPort(p.peerId, 'peer', (frame) => void this.mesh?.sendFrame(p.peerId, frame));
      this.mesh?.addPeer(p.peerId);
    }
    if (p.mac) this.onAnnounced(p.peerId, p.mac);
    if (p.kind === 'gateway') this.updateLease();
    this.changed();
  }

  private removeMember(peerId: string): void {
    const p = this.members.get(peerId);
    if (!p) return;
    this.members.delete(peerId);
    this.mesh?.removePeer(peerId);
    this.switch.removePort(peerId);
    if (p.kind === 'gateway') this.updateLease();
    this.changed();
  }

  private onAnnounced(peerId: string, mac: string): void {
    const p = this.members.get(peerId);
    if (!p) return;
    if (p.mac !== mac) this.members.set(peerId, { ...p, mac });
    try {
      this.switch.learn(mac, peerId);
    } catch {
      // The server accepts only unicast MACs; a bad one just stays unlearned (frames flood).
    }
    this.changed();
  }

  private gatewayPresent(): boolean {
    if (this.kind === 'gateway') return true;
    for (const p of this.members.values()) if (p.kind === 'gateway') return true;
    return false;
  }

  // Router and DNS only while a gateway is in the room; the guest sees a change at its renewal.
  private updateLease(): void {
    const ip = this.client.ip;
    if (!this.serveDhcp || ip === undefined) return;
    const gateway = this.gatewayPresent();
    const lease: DhcpLease = {
      ip,
      netmask: ROOM_NETMASK,
      leaseSeconds: gateway ? LEASE_SECONDS : ISOLATED_LEASE_SECONDS,
      mtu: this.mtu,
      hostname: this.options.hostname,
      ...(gateway ? { router: DHCP_SERVER_IP, dns: [DHCP_SERVER_IP] } : {}),
    };
    if (this.dhcp) this.dhcp.setLease(lease);
    else this.dhcp = createDhcpResponder({ guestMac: this.options.mac, lease });
  }

  private changed(): void {
    this.emit('change', undefined);
  }
}
