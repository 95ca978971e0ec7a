#!/usr/bin/env bash
# Prepares a Linux host for the gateway: bridge br1 at 10.0.2.1/24 with a fixed MAC, IPv4
# forwarding, masquerade for the room, a DNS forwarder on br1, and the egress policy (VMs reach
# the gateway's DNS and the public internet; never the host itself, private or link-local ranges,
# or multicast). Everything lives in one nftables table of our own, so teardown deletes just it;
# the prior forwarding setting is saved so gateway/host-teardown.sh can restore it.
#
# Settings (environment):
#   PEERLINUX_BRIDGE        bridge name                     (br1)
#   PEERLINUX_ADDR          gateway address/prefix          (10.0.2.1/24)
#   PEERLINUX_MAC           bridge MAC, fixed so it never follows a port (02:70:6c:67:77:01)
#   PEERLINUX_TABLE         nftables table (family inet)    (peerlinux)
#   PEERLINUX_DNS_UPSTREAM  DNS server to forward to        (unset: the host's /etc/resolv.conf)
#   PEERLINUX_STATE_DIR     where saved settings and the dnsmasq pid live (/run/peerlinux)
# Exit codes: 0 done, 1 a step failed (the partial setup is rolled back), 2 already set up or bad settings.
set -euo pipefail

BRIDGE=${PEERLINUX_BRIDGE:-br1}
ADDR=${PEERLINUX_ADDR:-10.0.2.1/24}
MAC=${PEERLINUX_MAC:-02:70:6c:67:77:01}
TABLE=${PEERLINUX_TABLE:-peerlinux}
UPSTREAM=${PEERLINUX_DNS_UPSTREAM:-}
STATE_DIR=${PEERLINUX_STATE_DIR:-/run/peerlinux}
STATE="$STATE_DIR/$BRIDGE.state"
HERE=$(cd "$(dirname "$0")" && pwd)

GW_IP=${ADDR%/*}
PREFIX=${ADDR#*/}
if ! [[ $GW_IP =~ ^([0-9]{1,3}\.){3}[0-9]{1,3}$ && $PREFIX =~ ^[0-9]{1,2}$ && $PREFIX -ge 8 && $PREFIX -le 30 ]]; then
  echo "host-setup: PEERLINUX_ADDR must be a.b.c.d/8..30, got $ADDR" >&2
  exit 2
fi
if [ -e "$STATE" ]; then
  echo "host-setup: $BRIDGE is already set up ($STATE exists); run gateway/host-teardown.sh first" >&2
  exit 2
fi
if ip link show dev "$BRIDGE" >/dev/null 2>&1; then
  echo "host-setup: an interface named $BRIDGE already exists and is not ours; refusing to touch it" >&2
  exit 2
fi
# The room's network address, from the gateway address and prefix.
IFS=. read -r a b c d <<<"$GW_IP"
n=$(((a << 24 | b << 16 | c << 8 | d) & (0xffffffff << (32 - PREFIX) & 0xffffffff)))
SUBNET="$((n >> 24 & 255)).$((n >> 16 & 255)).$((n >> 8 & 255)).$((n & 255))/$PREFIX"

mkdir -p "$STATE_DIR"
# Saved first, so a failure half way can be undone by teardown from this very file.
{
  echo "BRIDGE=$BRIDGE"
  echo "TABLE=$TABLE"
  echo "IP_FORWARD=$(cat /proc/sys/net/ipv4/ip_forward)"
  echo "DNSMASQ_PID_FILE=$STATE_DIR/$BRIDGE.dnsmasq.pid"
} >"$STATE"
trap 'echo "host-setup: failed; rolling back" >&2; "$HERE/host-teardown.sh" >&2 || true; exit 1' ERR

ip link add "$BRIDGE" type bridge
ip link set "$BRIDGE" address "$MAC"
# No IPv6 on the room's bridge: the host does not route IPv6 for VMs, so it must not take part.
sysctl -qw "net.ipv6.conf.$BRIDGE.disable_ipv6=1" 2>/dev/null || true
ip addr add "$ADDR" dev "$BRIDGE"
ip link set "$BRIDGE" up
sysctl -qw net.ipv4.ip_forward=1

nft -f - <<EOF
table inet $TABLE {
  counter drop_host {}
  counter drop_private {}
  counter drop_link_local {}
  counter drop_multicast {}
  counter drop_ipv6 {}
  counter drop_inbound {}
  counter dns {}
  counter forwarded {}

  # VMs talking to the host itself: only DNS at the gateway address, and replies.
  chain input {
    type filter hook input priority filter; policy accept;
    iifname != "$BRIDGE" accept
    ct state established,related accept
    ip daddr $GW_IP udp dport 53 counter name dns accept
    ip daddr $GW_IP tcp dport 53 counter name dns accept
    meta nfproto ipv6 counter name drop_ipv6 drop
    ip daddr { 224.0.0.0/4, 255.255.255.255 } counter name drop_multicast drop
    counter name drop_host drop
  }

  # VMs through the host: the public internet only.
  chain forward {
    type filter hook forward priority filter; policy accept;
    oifname "$BRIDGE" iifname != "$BRIDGE" ct state established,related accept
    oifname "$BRIDGE" iifname != "$BRIDGE" counter name drop_inbound drop
    iifname != "$BRIDGE" accept
    meta nfproto ipv6 counter name drop_ipv6 drop
    fib daddr type local counter name drop_host drop
    ip daddr { 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, $SUBNET } counter name drop_private drop
    ip daddr 169.254.0.0/16 counter name drop_link_local drop
    ip daddr { 224.0.0.0/4, 255.255.255.255 } counter name drop_multicast drop
    oifname "$BRIDGE" counter name drop_private drop
    counter name forwarded accept
  }

  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    ip saddr $SUBNET oifname != "$BRIDGE" masquerade
  }
}
EOF

# DNS for the VMs: a forwarder bound to the bridge only, no DHCP (pages answer their own guests).
DNSMASQ_ARGS=(
  --conf-file=/dev/null --no-hosts --no-dhcp-interface="$BRIDGE" --interface="$BRIDGE" --except-interface=lo
  --bind-interfaces --listen-address="$GW_IP" --pid-file="$STATE_DIR/$BRIDGE.dnsmasq.pid" --cache-size=1000
)
if [ -n "$UPSTREAM" ]; then DNSMASQ_ARGS+=(--no-resolv --server="$UPSTREAM"); fi
dnsmasq "${DNSMASQ_ARGS[@]}"

trap - ERR
echo "host-setup: $BRIDGE $ADDR ($MAC), forwarding on, masquerade $SUBNET, DNS at $GW_IP, nft table inet $TABLE"
