package decision

import (
	"net/netip"
	"testing"
)

func TestBGPAdvertisementPrefix(t *testing.T) {
	tests := map[string]struct {
		v4, v6 int
		addr   string
		want   string
	}{
		"IPv4 host route":   {32, 128, "10.0.0.7", "10.0.0.7/32"},
		"IPv4 aggregated":   {24, 128, "10.0.0.7", "10.0.0.0/24"},
		"IPv6 host route":   {24, 128, "2001:db8::7", "2001:db8::7/128"},
		"IPv6 aggregated":   {32, 64, "2001:db8::7", "2001:db8::/64"},
		"length 0":          {0, 0, "10.1.2.3", "0.0.0.0/0"},
		"out of range, v4":  {33, 128, "10.0.0.7", "10.0.0.7/32"},
		"out of range, v6":  {32, 129, "2001:db8::7", "2001:db8::7/128"},
		"negative, v4 only": {-1, 128, "10.0.0.7", "10.0.0.7/32"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ad := BGPAdvertisement{AggregationV4: tc.v4, AggregationV6: tc.v6}
			if got := ad.Prefix(netip.MustParseAddr(tc.addr)); got.String() != tc.want {
				t.Fatalf("Prefix(%s) = %s, want %s", tc.addr, got, tc.want)
			}
		})
	}
}

func TestBGPSelection(t *testing.T) {
	rackA := func(l map[string]string) bool { return l["rack"] == "a" }
	tests := map[string]struct {
		ad                       BGPAdvertisement
		peer, pool               string
		labels                   map[string]string
		toPeer, selPool, selNode bool
	}{
		"empty selects everything": {BGPAdvertisement{}, "p", "x", nil, true, true, true},
		"named peer":               {BGPAdvertisement{Peers: []string{"p"}}, "p", "x", nil, true, true, true},
		"other peer":               {BGPAdvertisement{Peers: []string{"q"}}, "p", "x", nil, false, true, true},
		"pool predicate":           {BGPAdvertisement{Pool: func(p string) bool { return p == "y" }}, "p", "x", nil, true, false, true},
		"node predicate":           {BGPAdvertisement{Node: rackA}, "p", "x", map[string]string{"rack": "b"}, true, true, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := tc.ad.ToPeer(tc.peer); got != tc.toPeer {
				t.Errorf("ToPeer = %v", got)
			}
			if got := tc.ad.SelectsPool(tc.pool); got != tc.selPool {
				t.Errorf("SelectsPool = %v", got)
			}
			if got := tc.ad.SelectsNode(tc.labels); got != tc.selNode {
				t.Errorf("SelectsNode = %v", got)
			}
		})
	}
	peer := BGPPeer{ASN: 65000, MyASN: 65000, Node: rackA}
	if !peer.IBGP() || !peer.Selects(map[string]string{"rack": "a"}) || peer.Selects(nil) {
		t.Fatal("iBGP peer for rack a")
	}
	if (BGPPeer{ASN: 1, MyASN: 2}).IBGP() || !(BGPPeer{}).Selects(nil) {
		t.Fatal("eBGP peer for every node")
	}
}
