// Rooms and their members. A member outlives its socket for a grace period (held), so a peer that
// reconnects with its resume token gets the same id and address back.
import type { WebSocket } from 'ws';
import { createRandomId, PEER_ID_LENGTH, RESUME_TOKEN_LENGTH } from '../src/net/signal-ids.ts';
import type { PeerInfo, PeerKind, SignalErrorCode } from '../src/net/signal-protocol.ts';
import { LeasePool } from './leases.ts';

/** One room member, connected (`socket` set) or held for a resume (`socket` null). */
export interface Member {
  readonly peerId: string;
  readonly kind: PeerKind;
  readonly ip: string;
  readonly room: Room;
  mac: string | null;
  resumeToken: string;
  socket: WebSocket | null;
  graceTimer: ReturnType<typeof setTimeout> | null;
  /** Encoded signals that arrived while held, delivered on resume. */
  pending: string[];
}

/** What a join asks for, already validated by the protocol parser. */
export interface JoinRequest {
  readonly kind: PeerKind;
  readonly peerId?: string;
  readonly resume?: string;
}

/** Outcome of a join: the member (new or taken over) or a coded refusal. */
export type Admission =
  | { readonly ok: true; readonly member: Member; readonly resumed: boolean; readonly replaced: WebSocket | null }
  | { readonly ok: false; readonly code: SignalErrorCode; readonly message: string };

// Compares without an early exit so a wrong token takes as long as a nearly right one.
function sameSecret(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** A room: its members by peer id and its address pool. */
export class Room {
  readonly members = new Map<string, Member>();
  readonly leases = new LeasePool();

  constructor(readonly id: string) {}

  /** Admits a joiner, or takes over a member whose resume token it presents. */
  admit(req: JoinRequest, maxPeers: number): Admission {
    const held = req.peerId === undefined ? undefined : this.members.get(req.peerId);
    if (held) {
      if (req.resume === undefined || !sameSecret(req.resume, held.resumeToken) || req.kind !== held.kind) {
        return { ok: false, code: 'ERR_PEER_ID_TAKEN', message: 'peerId is in use; resume needs its current resumeToken' };
      }
      const replaced = held.socket;
      if (held.graceTimer) clearTimeout(held.graceTimer);
      held.graceTimer = null;
      held.socket = null;
      held.resumeToken = createRandomId(RESUME_TOKEN_LENGTH);
      return { ok: true, member: held, resumed: true, replaced };
    }
    if (this.members.size >= maxPeers) return { ok: false, code: 'ERR_ROOM_FULL', message: `room holds ${maxPeers} peers` };
    const ip = this.leases.acquire(req.kind);
    if (ip === undefined) {
      return req.kind === 'gateway'
        ? { ok: false, code: 'ERR_GATEWAY_PRESENT', message: 'room already has a gateway' }
        : { ok: false, code: 'ERR_ROOM_FULL', message: 'no free address in 10.0.2.0/24' };
    }
    let peerId = req.peerId ?? createRandomId(PEER_ID_LENGTH);
    while (this.members.has(peerId)) peerId = createRandomId(PEER_ID_LENGTH);
    const member: Member = {
      peerId,
      kind: req.kind,
      ip,
      room: this,
      mac: null,
      resumeToken: createRandomId(RESUME_TOKEN_LENGTH),
      socket: null,
      graceTimer: null,
      pending: [],
    };
    this.members.set(peerId, member);
    return { ok: true, member, resumed: false, replaced: null };
  }

  /** Removes a member for good and frees its address. */
  remove(member: Member): void {
    if (member.graceTimer) clearTimeout(member.graceTimer);
    member.graceTimer = null;
    member.pending = [];
    if (this.members.get(member.peerId) === member) {
      this.members.delete(member.peerId);
      this.leases.release(member.ip);
    }
  }

  /** The member that announced `mac`, if any. */
  macOwner(mac: string): Member | undefined {
    for (const m of this.members.values()) if (m.mac === mac) return m;
    return undefined;
  }

  /** Every member but `except`, as peers see them. */
  peersExcept(except: Member): PeerInfo[] {
    const out: PeerInfo[] = [];
    for (const m of this.members.values()) if (m !== except) out.push(peerInfo(m));
    return out;
  }
}

/** A member as other peers see it. */
export function peerInfo(m: Member): PeerInfo {
  return { peerId: m.peerId, ip: m.ip, mac: m.mac, kind: m.kind };
}

/** All rooms by id, with the room-count limit. */
export class RoomRegistry {
  readonly rooms = new Map<string, Room>();

  constructor(private readonly maxRooms: number) {}

  /** The room `id`, created if there is room for one more; undefined at the limit. */
  open(id: string): Room | undefined {
    let room = this.rooms.get(id);
    if (room) return room;
    if (this.rooms.size >= this.maxRooms) return undefined;
    room = new Room(id);
    this.rooms.set(id, room);
    return room;
  }

  /** Drops `room` once it has no members, connected or held. */
  dropIfEmpty(room: Room): void {
    if (room.members.size === 0 && this.rooms.get(room.id) === room) this.rooms.delete(room.id);
  }
}
