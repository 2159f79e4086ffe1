package bgp

import (
	"context"
	"fmt"
	"net/netip"
	"reflect"
	"testing"
	"time"
)

var (
	host4 = netip.MustParsePrefix("198.51.100.10/32")
	host6 = netip.MustParsePrefix("2001:db8::10/128")
	agg4  = netip.MustParsePrefix("198.51.100.0/24")
	nh6   = netip.MustParseAddr("fd00::1")
)

// wantRoutes waits until the router's RIB holds exactly want.
func wantRoutes(t *testing.T, r *router, want map[netip.Prefix]route, within time.Duration) time.Duration {
	t.Helper()
	return eventually(t, within, func() string {
		if got := r.routes(t); !reflect.DeepEqual(got, want) {
			return fmt.Sprintf("router %v has %+v, want %+v", r.addr, got, want)
		}
		return ""
	})
}

// IPv4 and IPv6 host routes and an aggregate travel over one IPv4
// session each (MP-BGP) with the node's address of their family as next
// hop and their communities; local preference reaches the iBGP router only.
// Withdrawing one path withdraws it alone, with one UPDATE.
func TestPathsAdvertisedAndWithdrawn(t *testing.T) {
	a, rs, _ := topology(t, 65000, nodeASN)
	ebgp, ibgp, local := rs[0], rs[1], a.opts.RouterID

	comms := []uint32{65000<<16 | 100, 65000<<16 | 200}
	large := []LargeCommunity{{1, 2, 3}}
	start := time.Now()
	mustSetPaths(t, a,
		Path{Prefix: host4, Communities: []uint32{comms[1], comms[0], comms[1]}, LargeCommunities: large, LocalPref: 200},
		Path{Prefix: host6, Communities: comms[:1]},
		Path{Prefix: agg4},
	)
	v4 := route{from: local, nextHop: local, comms: comms, large: large}
	v6 := route{from: local, nextHop: nh6, comms: comms[:1]}
	ag := route{from: local, nextHop: local}
	withAS := func(r route, lp uint32, asPath int) route { r.localPref, r.asPathLen = lp, asPath; return r }
	wantRoutes(t, ebgp, map[netip.Prefix]route{host4: withAS(v4, 0, 1), host6: withAS(v6, 0, 1), agg4: withAS(ag, 0, 1)}, 5*time.Second)
	wantRoutes(t, ibgp, map[netip.Prefix]route{host4: withAS(v4, 200, 0), host6: withAS(v6, 100, 0), agg4: withAS(ag, 100, 0)}, 5*time.Second)
	t.Logf("three paths at both routers %v after SetPaths", time.Since(start))
	if s := sessionByName(t, a, "r1"); s.PrefixesSent != 3 {
		t.Fatalf("PrefixesSent = %d, want 3", s.PrefixesSent)
	}

	updates := sessionByName(t, a, "r1").UpdatesSent
	mustSetPaths(t, a, Path{Prefix: host6, Communities: comms[:1]}, Path{Prefix: agg4})
	wantRoutes(t, ebgp, map[netip.Prefix]route{host6: withAS(v6, 0, 1), agg4: withAS(ag, 0, 1)}, 5*time.Second)
	ages := localAges(t, a)
	time.Sleep(1100 * time.Millisecond)                                                 // ages have a resolution of one second
	mustSetPaths(t, a, Path{Prefix: agg4}, Path{Prefix: host6, Communities: comms[:1]}) // no change
	if got := localAges(t, a); !reflect.DeepEqual(got, ages) {
		t.Fatalf("unchanged paths were given to GoBGP again: ages %v, before %v", got, ages)
	}
	if got := sessionByName(t, a, "r1").UpdatesSent - updates; got != 1 {
		t.Fatalf("withdrawing one path sent %d UPDATEs, want 1", got)
	}
}

// A path that names its peers goes to those only, and moves when its list
// changes.
func TestPathPeers(t *testing.T) {
	// Every GoBGP server is started before any session carries routes:
	// StartBgp writes package globals of GoBGP's table package that the
	// other servers read while they process updates (a data race in
	// GoBGP, harmless with the one server per process Farol runs).
	r3 := newRouter(t, loopbacks(1)[0], 65003)
	a, rs, ps := topology(t, 65000, 65002)
	r1, r2, local := rs[0], rs[1], a.opts.RouterID
	rt := func(nh netip.Addr) route { return route{from: local, nextHop: nh, asPathLen: 1} }

	mustSetPaths(t, a, Path{Prefix: host4, Peers: []string{"r1"}}, Path{Prefix: host6, Peers: []string{"r2"}}, Path{Prefix: agg4})
	wantRoutes(t, r1, map[netip.Prefix]route{host4: rt(local), agg4: rt(local)}, 5*time.Second)
	wantRoutes(t, r2, map[netip.Prefix]route{host6: rt(nh6), agg4: rt(local)}, 5*time.Second)

	if err := a.Change(context.Background(), []Path{{Prefix: host4, Peers: []string{"r2"}}}, []netip.Prefix{host6}); err != nil {
		t.Fatal(err)
	}
	wantRoutes(t, r1, map[netip.Prefix]route{agg4: rt(local)}, 5*time.Second)
	wantRoutes(t, r2, map[netip.Prefix]route{host4: rt(local), agg4: rt(local)}, 5*time.Second)

	// A peer added later gets only what is meant for it.
	r3.accept(t, local, nodeASN)
	p3 := r3.peer("r3")
	p3.SourceAddress = local
	mustSetPeers(t, a, ps[0], ps[1], p3)
	waitEstablished(t, a, "r3", 10*time.Second)
	wantRoutes(t, r3, map[netip.Prefix]route{agg4: rt(local)}, 5*time.Second)
}

// Routes a router sends the node are never passed on to another router.
func TestLearnedRoutesNotReadvertised(t *testing.T) {
	a, rs, _ := topology(t, 65000, 65002)
	r1, r2, local := rs[0], rs[1], a.opts.RouterID

	learned := netip.MustParsePrefix("203.0.113.0/24")
	r1.announce(t, learned)
	eventually(t, 5*time.Second, func() string {
		if s := sessionByName(t, a, "r1"); s.PrefixesReceived != 1 {
			return fmt.Sprintf("node received %d prefixes from r1, want 1", s.PrefixesReceived)
		}
		return ""
	})
	mustSetPaths(t, a, Path{Prefix: host4})
	own := route{from: local, nextHop: local, asPathLen: 1}
	wantRoutes(t, r2, map[netip.Prefix]route{host4: own}, 5*time.Second)
	time.Sleep(500 * time.Millisecond) // the learned route would have followed by now
	wantRoutes(t, r2, map[netip.Prefix]route{host4: own}, 0)
	if s := sessionByName(t, a, "r2"); s.PrefixesSent != 1 {
		t.Fatalf("node counts %d prefixes sent to r2, want 1", s.PrefixesSent)
	}
}
