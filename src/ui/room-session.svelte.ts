// The page's room membership as reactive state: a RoomNode on the main thread (RTCPeerConnection
// exists only there), its local port in front of the guest's current link, the room id in the
// URL hash, and the snapshot the peers panel and the network status show.
//
//   guest (worker) ──tty/nic FramePort──> LinkPort ──> RoomNode ──> data channels ──> other pages
//                                                         └──> WebSocket /signal (peers, address)
import type { ChannelMode } from '../p2p/peer-link.ts';
import type { RoomNodeOptions, RoomNodeState } from '../p2p/room-node.ts';
import { RoomNode } from '../p2p/room-node.ts';
import type { LinkKind } from '../vm/types.ts';
import { LinkPort, type LinkSource } from './link-port.ts';
import { describeLinkError } from './room-format.ts';
import { roomForHash, roomHash, shareLinkFor } from './route.ts';

/** How often the panel re-reads frame and byte counters (they change without a `change` event). */
export const COUNTER_REFRESH_MS = 1000;
/** How long "Copied" shows after a copy. */
export const COPIED_NOTE_MS = 2000;

const INVALID_LINK_NOTE = 'That link does not name a valid room, so this page started a new room.';

/** What the room session needs from the page: its guest, its link choice, its location. */
export interface RoomSessionOptions {
  /** The guest's MAC, announced to the room. */
  readonly mac: string;
  readonly hostname: string;
  /** The guest's frame ports (undefined before the guest starts). */
  readonly source: () => LinkSource | undefined;
  /** The link kind the guest currently boots with. */
  readonly link: () => LinkKind;
  /** The signaling WebSocket URL (`ws(s)://<host>/signal`). */
  readonly signalingUrl: string;
  /** The data channel mode (`?channel=unordered` in the page URL); default the links' own. */
  readonly channelMode?: ChannelMode;
  /** Share of frames to peers dropped on purpose (`?loss=` in the page URL); default 0. */
  readonly lossRate?: number;
  /** Builds the node; tests may pass their own. */
  readonly createNode?: (options: RoomNodeOptions) => RoomNode;
}

/** The page's room: join from the URL, new room, copy link, and the live snapshot. */
export class RoomSession {
  roomId: string | null = $state(null);
  /** The node's latest snapshot; replaced whole, never mutated. */
  snapshot: RoomNodeState | null = $state.raw(null);
  /** Why signaling stopped for good, as a sentence (e.g. the room is full). */
  closedReason: string | null = $state(null);
  /** A note about the room link (a bad link replaced by a new room, a copy). */
  note: string | null = $state(null);
  copied = $state(false);
  private node: RoomNode | null = null;
  private readonly port: LinkPort;
  private refreshTimer: ReturnType<typeof setInterval> | undefined;
  private copiedTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly cleanups: (() => void)[] = [];

  constructor(private readonly options: RoomSessionOptions) {
    this.port = new LinkPort(options.link);
  }

  /** The link to share for the current room. */
  get shareLink(): string {
    return this.roomId ? shareLinkFor(location.href, this.roomId) : '';
  }

  /** Joins the room the URL names (or a new one, put in the URL) and follows hash changes. */
  start(): void {
    this.port.attach(this.options.source());
    const { roomId, invalid } = roomForHash(location.hash);
    if (invalid) this.note = INVALID_LINK_NOTE;
    this.join(roomId);
    // A pasted room link in the same tab: leave this room and join that one.
    const onHash = () => {
      const next = roomForHash(location.hash);
      if (!next.created && next.roomId === this.roomId) return;
      this.note = next.invalid ? INVALID_LINK_NOTE : null;
      this.join(next.roomId);
    };
    window.addEventListener('hashchange', onHash);
    this.cleanups.push(() => window.removeEventListener('hashchange', onHash));
    // Counters change on every frame without an event; a slow poll keeps the panel current.
    this.refreshTimer = setInterval(() => this.refresh(), COUNTER_REFRESH_MS);
    this.cleanups.push(() => clearInterval(this.refreshTimer));
  }

  /** Follows the guest's frame ports again (after the VM object changed). */
  rewire(): void {
    this.port.attach(this.options.source());
  }

  /** Leaves the current room cleanly and joins a brand-new one. */
  newRoom(): void {
    this.note = null;
    this.join(roomForHash('').roomId);
  }

  /** Copies the room link to the clipboard; shows "Copied" for a moment. */
  async copyLink(): Promise<boolean> {
    const link = this.shareLink;
    if (!link) return false;
    try {
      await navigator.clipboard.writeText(link);
    } catch {
      this.note = 'The browser refused the clipboard; select the link and copy it by hand.';
      return false;
    }
    this.copied = true;
    clearTimeout(this.copiedTimer);
    this.copiedTimer = setTimeout(() => (this.copied = false), COPIED_NOTE_MS);
    return true;
  }

  /** Stops following the URL and leaves the room; `clean` false lets the server hold the address for its grace period. */
  destroy(clean = true): void {
    for (const off of this.cleanups.splice(0)) off();
    clearTimeout(this.copiedTimer);
    if (clean) this.node?.close();
    this.node = null;
    this.port.attach(undefined);
  }

  private join(roomId: string): void {
    if (roomId === this.roomId && this.node) return;
    this.node?.close();
    this.roomId = roomId;
    this.closedReason = null;
    const hash = roomHash(roomId);
    if (location.hash !== hash) history.replaceState(history.state, '', hash);
    const create = this.options.createNode ?? ((o: RoomNodeOptions) => new RoomNode(o));
    let node: RoomNode;
    try {
      node = create({
        url: this.options.signalingUrl,
        room: roomId,
        mac: this.options.mac,
        hostname: this.options.hostname,
        port: this.port,
        ...(this.options.channelMode ? { channelMode: this.options.channelMode } : {}),
        ...(this.options.lossRate ? { mesh: { link: { lossRate: this.options.lossRate } } } : {}),
      });
    } catch (err) {
      this.node = null;
      this.snapshot = null;
      this.closedReason = `Cannot join the room: ${(err as Error).message}`;
      return;
    }
    this.node = node;
    node.on('change', () => this.node === node && this.refresh());
    node.on('closed', ({ code, message }) => {
      if (this.node === node) this.closedReason = `Signaling stopped (${code}): ${message}`;
    });
    this.refresh();
    if (typeof RTCPeerConnection === 'undefined') this.closedReason = describeLinkError('ERR_WEBRTC_SUPPORT');
  }

  private refresh(): void {
    if (this.node) this.snapshot = this.node.state();
  }
}
