// The page's one route: `#/room/<roomId>` in the location hash (no router library), plus the
// signaling URL and the shareable link derived from the page's own location.
import { createRoomId, roomIdFromHash } from '../net/signal-ids.ts';

/** The path of the signaling WebSocket on the server that served the page. */
export const SIGNAL_PATH = '/signal';

/** What the hash asks for: a room, nothing, or something that is not a valid room link. */
export type Route = { readonly kind: 'room'; readonly roomId: string } | { readonly kind: 'none' } | { readonly kind: 'invalid'; readonly hash: string };

/** Parses a location hash: `#/room/<valid id>` is a room, an empty hash is none, the rest is invalid. */
export function parseRoute(hash: string): Route {
  if (hash === '' || hash === '#' || hash === '#/') return { kind: 'none' };
  const roomId = roomIdFromHash(hash);
  return roomId ? { kind: 'room', roomId } : { kind: 'invalid', hash };
}

/** The hash that names `roomId`. */
export function roomHash(roomId: string): string {
  return `#/room/${roomId}`;
}

/** The room to join for a hash: its own room, or a fresh one when it names none (or a bad one). */
export function roomForHash(hash: string, newId: () => string = createRoomId): { roomId: string; created: boolean; invalid: boolean } {
  const route = parseRoute(hash);
  if (route.kind === 'room') return { roomId: route.roomId, created: false, invalid: false };
  return { roomId: newId(), created: true, invalid: route.kind === 'invalid' };
}

/** The signaling WebSocket URL for a page at `href`: `ws://` beside http, `wss://` beside https. */
export function signalingUrlFor(href: string): string {
  const url = new URL(href);
  const scheme = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${url.host}${SIGNAL_PATH}`;
}

/** The link to share for `roomId` from a page at `href`: same origin and path, no query (the link kind is each page's own). */
export function shareLinkFor(href: string, roomId: string): string {
  const url = new URL(href);
  return url.origin + url.pathname + roomHash(roomId);
}
