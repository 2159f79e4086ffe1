#!/usr/bin/env bash
# deps.sh installs the Debian packages the tests and the demo use, only the
# missing ones, so a warm machine pays nothing. Needs root (as on the lab
# machines).
set -euo pipefail

# iproute2: namespaces and veths (lab, L2 tests); arping and ndisc6: the
# client side of the ARP/NDP tests; nftables, iptables, conntrack: kube-proxy
# in the lab; prometheus: its promtool checks and unit-tests the alert rules
# (Debian ships promtool only with the server, which it starts on :9090
# where systemd runs); frr and bird2: the real BGP routers of the lab's
# router namespace (test/lab StartRouter).
pkgs=(iproute2 curl ca-certificates iputils-arping ndisc6 iputils-ping nftables iptables conntrack tcpdump prometheus frr bird2)
need=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if ((${#need[@]} == 0)); then
	exit 0
fi
echo "deps.sh: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
