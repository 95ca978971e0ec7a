// Small frame builders for tests that talk to a guest.
import { ARP_OP_REQUEST, serializeArp } from '../../src/net/arp.ts';
import { ETHERTYPE_ARP, serializeEthernet } from '../../src/net/ethernet.ts';
import { BROADCAST_MAC } from '../../src/net/mac.ts';

/** A broadcast ARP request asking who has `targetIp`. */
export function arpRequest(p: { senderMac: string; senderIp: string; targetIp: string }): Uint8Array {
  const arp = serializeArp({ op: ARP_OP_REQUEST, senderMac: p.senderMac, senderIp: p.senderIp, targetMac: '00:00:00:00:00:00', targetIp: p.targetIp });
  return serializeEthernet({ dst: BROADCAST_MAC, src: p.senderMac, etherType: ETHERTYPE_ARP, payload: arp });
}
