// WebRTC for Node (the gateway, tests, benches): node-datachannel's W3C polyfill, shaped so
// simple-peer accepts it. Node only: pages use the browser's own RTCPeerConnection.
//
//   simple-peer ──wrtc──> NodeRTCPeerConnection ──> node-datachannel (libdatachannel)
//
// Two Node peers find each other only over a non-loopback interface: libdatachannel gathers no
// loopback candidates, so a host with nothing but `lo` needs a dummy interface.
import { RTCIceCandidate, RTCPeerConnection, RTCSessionDescription } from 'node-datachannel/polyfill';

/** The constructors simple-peer takes as its `wrtc` option. */
export interface WrtcImplementation {
  readonly RTCPeerConnection: unknown;
  readonly RTCSessionDescription: unknown;
  readonly RTCIceCandidate: unknown;
}

// simple-peer rewrites `offer.sdp` and then passes the object back to setLocalDescription; the
// polyfill hands out an RTCSessionDescription whose `sdp` is a getter, so the rewrite is lost
// or throws. A plain `{type, sdp}` object is what the spec's dictionary form is anyway.
class NodeRTCPeerConnection extends RTCPeerConnection {
  override async createOffer(): Promise<RTCSessionDescriptionInit> {
    const d = await super.createOffer();
    return { type: d.type, sdp: d.sdp };
  }

  override async createAnswer(): Promise<RTCSessionDescriptionInit> {
    const d = await super.createAnswer();
    return { type: d.type, sdp: d.sdp };
  }
}

/** node-datachannel's polyfill with plain-object offers and answers, ready for simple-peer's `wrtc`. */
export const nodeWrtc: WrtcImplementation = {
  RTCPeerConnection: NodeRTCPeerConnection,
  RTCSessionDescription,
  RTCIceCandidate,
};
