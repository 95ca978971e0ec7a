#!/usr/bin/env bash
# Undoes gateway/host-setup.sh: stops its dnsmasq, deletes its nftables table and bridge, and
# puts IPv4 forwarding back as it was. Safe to run twice, and after a half-finished setup.
# Reads the same PEERLINUX_BRIDGE and PEERLINUX_STATE_DIR settings as host-setup.sh.
# Exit codes: 0 done (or nothing to do), 1 something could not be undone (the message says what).
set -uo pipefail

BRIDGE=${PEERLINUX_BRIDGE:-br1}
STATE_DIR=${PEERLINUX_STATE_DIR:-/run/peerlinux}
STATE="$STATE_DIR/$BRIDGE.state"

if [ ! -e "$STATE" ]; then
  echo "host-teardown: nothing to undo for $BRIDGE ($STATE missing)"
  exit 0
fi
# Only the keys host-setup writes; the file is ours, but read it as data, not as a script.
TABLE='' IP_FORWARD='' DNSMASQ_PID_FILE=''
while IFS='=' read -r key value; do
  case "$key" in
    TABLE) TABLE=$value ;;
    IP_FORWARD) IP_FORWARD=$value ;;
    DNSMASQ_PID_FILE) DNSMASQ_PID_FILE=$value ;;
  esac
done <"$STATE"

failed=0
if [ -n "$DNSMASQ_PID_FILE" ] && [ -s "$DNSMASQ_PID_FILE" ]; then
  pid=$(cat "$DNSMASQ_PID_FILE")
  # Only if that pid is still a dnsmasq: a stale file must not make us kill an unrelated process.
  if [[ $pid =~ ^[0-9]+$ ]] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dnsmasq ]; then
    kill "$pid" && for _ in $(seq 50); do [ -e "/proc/$pid" ] || break; sleep 0.1; done
  fi
  rm -f "$DNSMASQ_PID_FILE"
fi
if [ -n "$TABLE" ] && nft list table inet "$TABLE" >/dev/null 2>&1; then
  nft delete table inet "$TABLE" || { echo "host-teardown: could not delete nft table inet $TABLE" >&2; failed=1; }
fi
if ip link show dev "$BRIDGE" >/dev/null 2>&1; then
  ip link delete "$BRIDGE" || { echo "host-teardown: could not delete $BRIDGE" >&2; failed=1; }
fi
if [[ $IP_FORWARD =~ ^[01]$ ]]; then
  sysctl -qw "net.ipv4.ip_forward=$IP_FORWARD" || failed=1
fi
if [ $failed -eq 0 ]; then
  rm -f "$STATE"
  echo "host-teardown: $BRIDGE removed, host restored"
fi
exit $failed
