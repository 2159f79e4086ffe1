package lab

import (
	"net/netip"
	"slices"
	"testing"
)

// testRouteTable checks that RouteTable reads what `ip route` (Routes)
// reads: plain and multipath routes inside a prefix, with their next hops
// and devices, and nothing outside it or of the other family.
func testRouteTable(t *testing.T, l *Lab) {
	ctx := t.Context()
	r := l.Router
	n1, n2 := l.Nodes[0], l.Nodes[1]
	within := netip.MustParsePrefix("10.99.0.0/24")
	// proto static: ip -j leaves out the default, boot.
	lines := []string{
		"route add 10.99.0.1/32 via " + n1.IPv4.String() + " proto static",
		"route add 10.99.0.2/32 proto static nexthop via " + n1.IPv4.String() + " nexthop via " + n2.IPv4.String(),
		"route add 10.99.0.128/25 via " + n2.IPv4.String() + " proto static",
		"route add 10.99.1.1/32 via " + n1.IPv4.String() + " proto static",
		"route add 10.99.0.0/16 via " + n1.IPv4.String() + " proto static",
		"route add fd00:99::1/128 via " + n1.IPv6.String() + " proto static",
	}
	if err := r.ipBatch(ctx, lines); err != nil {
		t.Fatal(err)
	}
	tab, err := r.RouteTable()
	if err != nil {
		t.Fatal(err)
	}
	defer tab.Close()
	got, err := tab.Within(within)
	if err != nil {
		t.Fatal(err)
	}
	var want []Route
	for _, p := range []string{"10.99.0.1/32", "10.99.0.2/32", "10.99.0.128/25"} {
		rs, err := r.Routes(ctx, netip.MustParsePrefix(p))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, rs...)
	}
	if len(want) != 3 || len(want[1].NextHops) != 2 {
		t.Fatalf("ip route shows %+v; want the three routes added, the second with two paths", want)
	}
	byDst := func(a, b Route) int { return a.Dst.Addr().Compare(b.Dst.Addr()) }
	slices.SortFunc(got, byDst)
	slices.SortFunc(want, byDst)
	if !slices.EqualFunc(got, want, sameRoute) {
		t.Errorf("RouteTable.Within(%s) = %+v\nwant (from ip route) %+v", within, got, want)
	}
	got6, err := tab.Within(netip.MustParsePrefix("fd00:99::/64"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got6) != 1 || got6[0].Dst != netip.MustParsePrefix("fd00:99::1/128") || !slices.Equal(Gateways(got6), []netip.Addr{n1.IPv6}) {
		t.Errorf("RouteTable.Within(fd00:99::/64) = %+v, want the one IPv6 route via %s", got6, n1.IPv6)
	}
}

func sameRoute(a, b Route) bool {
	return a.Dst == b.Dst && a.Protocol == b.Protocol && slices.Equal(a.NextHops, b.NextHops)
}
