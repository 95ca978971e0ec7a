// Text for the room's panels: what a peer's link state and error mean to a person, and the one-line
// network status (signaling, peers, internet or isolated). No Svelte, so it is unit-tested.
import type { PeerView, RoomNodeState } from '../p2p/room-node.ts';

/** How a status reads at a glance: colour of the dot, and whether it is an alert. */
export type StatusLevel = 'ok' | 'pending' | 'warn' | 'error';

/** What the person is told about a failed WebRTC attempt, by the code the link closed with. */
const LINK_ERRORS: Readonly<Record<string, string>> = {
  ERR_CONNECT_TIMEOUT: 'WebRTC could not connect in time: no network path between the two browsers (a firewall or strict NAT may block it).',
  ERR_ICE_CONNECTION_FAILURE: 'WebRTC could not connect: ICE found no working network path between the two browsers.',
  ERR_CONNECTION_FAILURE: 'WebRTC connection failed.',
  ERR_DATA_CHANNEL: 'The WebRTC data channel failed.',
  ERR_LINK_CLOSED: 'The WebRTC connection closed (the other page may have gone away).',
  ERR_BAD_SIGNAL: 'The other page sent a connection offer this page could not use.',
  ERR_WEBRTC: 'WebRTC reported an error.',
  ERR_WEBRTC_SUPPORT: 'This browser has no WebRTC, so it cannot join a room.',
};

/** A sentence for a link error code (unknown codes are shown as they are). */
export function describeLinkError(code: string): string {
  return LINK_ERRORS[code] ?? `WebRTC failed (${code}).`;
}

/** A peer's link state as a short label and level; a failure says it is retrying. */
export function peerLinkLabel(peer: Pick<PeerView, 'link' | 'lastError'>): { text: string; level: StatusLevel } {
  switch (peer.link) {
    case 'open':
      return { text: 'connected', level: 'ok' };
    case 'connecting':
      return peer.lastError ? { text: 'cannot connect, trying again', level: 'error' } : { text: 'connecting', level: 'pending' };
    case 'retrying':
      return { text: 'cannot connect, retrying', level: 'error' };
    case 'waiting':
      return peer.lastError ? { text: 'cannot connect, waiting for the other side', level: 'error' } : { text: 'waiting', level: 'pending' };
  }
}

/** A round trip time for the panel: `0.6 ms`, `12 ms`, or a dash while unknown. */
export function formatRtt(rttMs: number | null): string {
  if (rttMs === null) return '–';
  return rttMs < 10 ? `${rttMs.toFixed(1)} ms` : `${Math.round(rttMs)} ms`;
}

/** The network status line's parts. */
export interface NetSummary {
  readonly signaling: { text: string; level: StatusLevel };
  readonly peers: { text: string; level: StatusLevel };
  readonly reach: { text: string; level: StatusLevel };
  /** The one problem worth a sentence, if any (WebRTC failures, a room the server refused). */
  readonly problem: string | null;
}

const SIGNALING_TEXT: Readonly<Record<RoomNodeState['signaling'], { text: string; level: StatusLevel }>> = {
  connecting: { text: 'signaling: connecting', level: 'pending' },
  joined: { text: 'signaling: joined', level: 'ok' },
  reconnecting: { text: 'signaling: reconnecting', level: 'warn' },
  closed: { text: 'signaling: disconnected', level: 'error' },
};

/** The status line for a room state; `closedReason` is the signaling client's final error, if any. */
export function summarizeNetwork(state: RoomNodeState | null, closedReason: string | null = null): NetSummary {
  if (!state) {
    return {
      signaling: { text: 'signaling: not started', level: 'pending' },
      peers: { text: 'no peers', level: 'pending' },
      reach: { text: 'isolated', level: 'pending' },
      problem: closedReason,
    };
  }
  const total = state.peers.length;
  const open = state.peers.filter((p) => p.link === 'open').length;
  const failing = state.peers.filter((p) => peerLinkLabel(p).level === 'error');
  const peers =
    total === 0
      ? { text: 'alone in the room', level: 'ok' as const }
      : { text: `${open} of ${total} peer${total === 1 ? '' : 's'} connected`, level: failing.length > 0 ? ('error' as const) : open === total ? ('ok' as const) : ('pending' as const) };
  const reach =
    state.network === 'internet' ? { text: 'internet via gateway', level: 'ok' as const } : { text: 'isolated LAN (no gateway)', level: 'ok' as const };
  let problem: string | null = null;
  if (state.signaling === 'closed') problem = closedReason ?? 'Disconnected from the signaling server.';
  else if (failing.length > 0) {
    const code = failing[0].lastError ?? 'ERR_WEBRTC';
    const who = failing.length === 1 ? `peer ${failing[0].ip}` : `${failing.length} peers`;
    problem = `Cannot reach ${who}: ${describeLinkError(code)}`;
  }
  return { signaling: SIGNALING_TEXT[state.signaling], peers, reach, problem };
}
