package lab

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

// TestRouterNeighbors runs the router with explicit neighbors instead of a
// range: node-1 in the router's own AS (iBGP) with the right TCP MD5 key,
// node-2 over eBGP with a wrong one, and graceful restart on.
func TestRouterNeighbors(t *testing.T) { eachDaemon(t, testRouterNeighbors) }

func testRouterNeighbors(t *testing.T, l *Lab, daemon RouterDaemon) {
	n1, n2 := l.Nodes[0], l.Nodes[1]
	const asn, key = 64512, "lab-key"
	r, err := l.StartRouter(t.Context(), RouterOptions{
		Daemon:          daemon,
		ASN:             asn,
		GracefulRestart: true,
		Peers: []RouterPeer{
			{Address: n1.IPv4, ASN: asn, Password: key},
			{Address: n2.IPv4, ASN: 64602, Password: key},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Stop() })
	vip := netip.PrefixFrom(netip.MustParseAddr(strings.Split(l.VIPs4, "-")[0]), 32)
	vip6 := netip.PrefixFrom(netip.MustParseAddr(strings.Split(l.VIPs6, "-")[0]), 128)

	begin := time.Now()
	startGoBGP(t, n1, gobgpPeer{ASN: asn, Router: r.Host.IPv4, RouterASN: asn, Prefixes: []netip.Prefix{vip, vip6}, Password: key})
	startGoBGP(t, n2, gobgpPeer{ASN: 64602, Router: r.Host.IPv4, RouterASN: asn, Prefixes: []netip.Prefix{vip, vip6}, Password: "wrong"})
	waitGateways(t, r, vip, 20*time.Second, n1.IPv4)
	t.Logf("%s: iBGP with MD5 → route in %s", daemon, since(begin))
	waitGateways(t, r, vip6, 5*time.Second, n1.IPv6)

	// node-2 had as long as node-1 and more: a wrong key never gets a
	// session.
	time.Sleep(3 * time.Second)
	if s := session(t, r, n1.IPv4); !s.Established || s.ASN != asn {
		t.Errorf("iBGP session with %s = %+v, want Established in AS %d", n1.Name, s, asn)
	}
	if s := session(t, r, n2.IPv4); s.Established {
		t.Errorf("session with %s, whose MD5 key is wrong = %+v, want it not Established", n2.Name, s)
	}
	waitGateways(t, r, vip, time.Second, n1.IPv4)
}
