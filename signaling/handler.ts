// The one gate every client message passes: rate limit, parse, dispatch. Nothing here throws out
// to a listener; refusals are coded errors to the sender and counters, and only the sender's room
// ever hears about what the sender did.
import type { RawData, WebSocket } from 'ws';
import { encodeMessage, parseClientMessage, PROTOCOL_VERSION } from '../src/net/signal-protocol.ts';
import type { ClientMessage, JsonObject, ServerMessage, SignalErrorCode } from '../src/net/signal-protocol.ts';
import type { Logger } from './log.ts';
import { roomTag } from './log.ts';
import type { SignalingMetrics } from './metrics.ts';
import type { ResolvedOptions } from './options.ts';
import type { TokenBucket } from './rate-limit.ts';
import type { Member, Room, RoomRegistry } from './rooms.ts';
import { peerInfo } from './rooms.ts';

/** WebSocket close code sent to a socket whose peer was resumed on a newer connection. */
export const CLOSE_REPLACED = 4000;
/** WebSocket close code for a client that reads too slowly (RFC 6455 "try again later"). */
export const CLOSE_SLOW_CONSUMER = 1013;

// ws's OPEN constant, without importing the runtime module here.
const OPEN = 1;

/** Per-connection state: the member it joined as, its rate bucket, its heartbeat. */
export interface Conn {
  member: Member | null;
  readonly bucket: TokenBucket;
  alive: boolean;
  missed: number;
  closing: boolean;
}

/** What the handlers share with the server. */
export interface Context {
  readonly opts: ResolvedOptions;
  readonly metrics: SignalingMetrics;
  readonly log: Logger;
  readonly registry: RoomRegistry;
  readonly conns: Map<WebSocket, Conn>;
}

/** Closes `ws` with `code` once, counting the close. */
export function closeWith(ctx: Context, ws: WebSocket, code: number, reason: string): void {
  const conn = ctx.conns.get(ws);
  if (conn) {
    if (conn.closing) return;
    conn.closing = true;
  }
  ctx.metrics.countClose(code);
  ws.close(code, reason);
}

/** Sends one text to `ws`, closing it instead when it has fallen too far behind. */
export function sendText(ctx: Context, ws: WebSocket, text: string): void {
  if (ws.readyState !== OPEN) return;
  if (ws.bufferedAmount > ctx.opts.maxBufferedBytes) {
    ctx.metrics.countError('ERR_SLOW_CONSUMER');
    closeWith(ctx, ws, CLOSE_SLOW_CONSUMER, 'reading too slowly');
    return;
  }
  ws.send(text);
}

function send(ctx: Context, ws: WebSocket, message: ServerMessage): void {
  sendText(ctx, ws, encodeMessage(message));
}

/** Sends a coded error to the sender, counts it and logs it. */
export function sendError(ctx: Context, ws: WebSocket, code: SignalErrorCode, message: string): void {
  ctx.metrics.countError(code);
  const member = ctx.conns.get(ws)?.member;
  ctx.log('error', { code, message, ...(member ? { room: roomTag(member.room.id), peerId: member.peerId } : {}) });
  send(ctx, ws, { type: 'error', code, message });
}

function broadcast(ctx: Context, room: Room, message: ServerMessage, except: Member): void {
  const text = encodeMessage(message);
  for (const m of room.members.values()) if (m !== except && m.socket) sendText(ctx, m.socket, text);
}

/** Handles one WebSocket message from `ws`. */
export function handleMessage(ctx: Context, ws: WebSocket, conn: Conn, data: RawData, isBinary: boolean): void {
  if (conn.closing) return;
  conn.alive = true;
  if (!conn.bucket.take()) {
    sendError(ctx, ws, 'ERR_RATE_LIMITED', `over ${ctx.opts.maxMessagesPerSecond} messages per second`);
    closeWith(ctx, ws, 1008, 'rate limit');
    return;
  }
  if (isBinary) {
    ctx.metrics.countReceived('invalid');
    sendError(ctx, ws, 'ERR_BINARY', 'messages are JSON text');
    return;
  }
  const parsed = parseClientMessage(data.toString());
  if (!parsed.ok) {
    ctx.metrics.countReceived('invalid');
    sendError(ctx, ws, parsed.code, parsed.message);
    return;
  }
  const msg = parsed.message;
  ctx.metrics.countReceived(msg.type);
  if (msg.type === 'ping') return send(ctx, ws, { type: 'pong' });
  if (msg.type === 'join') return join(ctx, ws, conn, msg);
  const member = conn.member;
  if (!member) return sendError(ctx, ws, 'ERR_NOT_JOINED', `${msg.type} before join`);
  if (msg.type === 'signal') return signal(ctx, ws, member, msg.to, msg.data);
  announce(ctx, ws, member, msg.mac);
}

function join(ctx: Context, ws: WebSocket, conn: Conn, msg: Extract<ClientMessage, { type: 'join' }>): void {
  if (conn.member) return sendError(ctx, ws, 'ERR_ALREADY_JOINED', 'this connection already joined a room');
  const room = ctx.registry.open(msg.room);
  if (!room) return sendError(ctx, ws, 'ERR_TOO_MANY_ROOMS', `server holds ${ctx.opts.maxRooms} rooms`);
  const adm = room.admit(msg, ctx.opts.maxPeersPerRoom);
  if (!adm.ok) {
    ctx.registry.dropIfEmpty(room);
    return sendError(ctx, ws, adm.code, adm.message);
  }
  const member = adm.member;
  member.socket = ws;
  conn.member = member;
  if (adm.replaced) {
    // The old socket no longer speaks for this peer: its close must not hold or remove it.
    const old = ctx.conns.get(adm.replaced);
    if (old) old.member = null;
    closeWith(ctx, adm.replaced, CLOSE_REPLACED, 'resumed on another connection');
  }
  ctx.metrics.joins++;
  if (adm.resumed) ctx.metrics.resumes++;
  send(ctx, ws, {
    type: 'welcome',
    version: PROTOCOL_VERSION,
    peerId: member.peerId,
    ip: member.ip,
    kind: member.kind,
    resumeToken: member.resumeToken,
    resumed: adm.resumed,
    peers: room.peersExcept(member),
    iceServers: ctx.opts.iceServers,
    mtu: ctx.opts.mtu,
  });
  if (adm.resumed) {
    const pending = member.pending;
    member.pending = [];
    for (const text of pending) sendText(ctx, ws, text);
  } else {
    broadcast(ctx, room, { type: 'peer-joined', ...peerInfo(member) }, member);
  }
  ctx.log('join', { room: roomTag(room.id), peerId: member.peerId, ip: member.ip, kind: member.kind, resumed: adm.resumed });
}

function signal(ctx: Context, ws: WebSocket, from: Member, to: string, data: JsonObject): void {
  const target = from.room.members.get(to);
  if (!target || target === from) return sendError(ctx, ws, 'ERR_UNKNOWN_PEER', 'no such peer in this room');
  const text = encodeMessage({ type: 'signal', from: from.peerId, data });
  if (target.socket) {
    ctx.metrics.signalsRelayed++;
    return sendText(ctx, target.socket, text);
  }
  // The target dropped and may resume: keep what it would have missed, in order, up to a limit.
  if (target.pending.length >= ctx.opts.maxPendingSignals) {
    return sendError(ctx, ws, 'ERR_PEER_UNAVAILABLE', 'peer is reconnecting and its backlog is full');
  }
  ctx.metrics.signalsHeld++;
  target.pending.push(text);
}

function announce(ctx: Context, ws: WebSocket, member: Member, mac: string): void {
  const owner = member.room.macOwner(mac);
  if (owner && owner !== member) return sendError(ctx, ws, 'ERR_MAC_IN_USE', 'another peer in this room owns that MAC');
  if (member.mac === mac) return;
  member.mac = mac;
  broadcast(ctx, member.room, { type: 'peer-announced', peerId: member.peerId, mac }, member);
}

/** Removes `member` from its room for good and tells the room. */
export function leave(ctx: Context, member: Member, reason: string): void {
  const room = member.room;
  if (room.members.get(member.peerId) !== member) return;
  room.remove(member);
  ctx.metrics.leaves++;
  broadcast(ctx, room, { type: 'peer-left', peerId: member.peerId }, member);
  ctx.registry.dropIfEmpty(room);
  ctx.log('leave', { room: roomTag(room.id), peerId: member.peerId, ip: member.ip, reason });
}

/** Handles the close of `ws`: a clean close (1000) leaves at once, any other holds the peer. */
export function handleClose(ctx: Context, ws: WebSocket, code: number): void {
  const conn = ctx.conns.get(ws);
  ctx.conns.delete(ws);
  const member = conn?.member;
  if (!member || member.socket !== ws) return;
  member.socket = null;
  // Already gone from its room (server shutting down): nothing to hold.
  if (member.room.members.get(member.peerId) !== member) return;
  if (code === 1000) return leave(ctx, member, 'closed');
  member.graceTimer = setTimeout(() => leave(ctx, member, 'grace expired'), ctx.opts.resumeGraceMs);
  member.graceTimer.unref?.();
  ctx.log('hold', { room: roomTag(member.room.id), peerId: member.peerId, ip: member.ip, code });
}
