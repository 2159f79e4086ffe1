package speaker

import (
	"hash/maphash"
	"net/netip"
	"slices"
	"testing"

	"github.com/farol-lb/farol/internal/decision"
)

// TestFingerprint: two tables have the same fingerprint exactly when
// decision.Announcement.Equal says they are the same (for BGP nodes see
// TestFingerprintBGPNodeSets), including where one field's end could pass
// for the next one's start.
func TestFingerprint(t *testing.T) {
	base := decision.Announcement{Service: "ns/a", Addr: netip.MustParseAddr("10.0.0.1"), Mode: decision.ModeL2,
		Nodes: []string{"n1"}, Interfaces: []string{"eth0"}}
	with := func(f func(*decision.Announcement)) []decision.Announcement {
		a := base
		a.Nodes, a.Interfaces = append([]string(nil), base.Nodes...), append([]string(nil), base.Interfaces...)
		f(&a)
		return []decision.Announcement{a}
	}
	seed := maphash.MakeSeed()
	same := func(a, b []decision.Announcement) bool {
		return fingerprint(seed, "n1", a) == fingerprint(seed, "n1", b)
	}
	for name, other := range map[string][]decision.Announcement{
		"service":               with(func(a *decision.Announcement) { a.Service = "ns/b" }),
		"address":               with(func(a *decision.Announcement) { a.Addr = netip.MustParseAddr("10.0.0.2") }),
		"IPv4-mapped IPv6":      with(func(a *decision.Announcement) { a.Addr = netip.MustParseAddr("::ffff:10.0.0.1") }),
		"mode":                  with(func(a *decision.Announcement) { a.Mode = decision.ModeNone }),
		"reason":                with(func(a *decision.Announcement) { a.Reason = "x" }),
		"owner":                 with(func(a *decision.Announcement) { a.Nodes = []string{"n2"} }),
		"no owner":              with(func(a *decision.Announcement) { a.Nodes = nil }),
		"one name or two":       with(func(a *decision.Announcement) { a.Nodes = []string{"n", "1"} }),
		"node or interface":     with(func(a *decision.Announcement) { a.Nodes, a.Interfaces = []string{"n1", "eth0"}, nil }),
		"interfaces":            with(func(a *decision.Announcement) { a.Interfaces = nil }),
		"one more announcement": append(with(func(*decision.Announcement) {}), base),
		"a route": with(func(a *decision.Announcement) {
			a.Route = &decision.Route{Advertisement: "tor", Prefix: netip.MustParsePrefix("10.0.0.1/32")}
		}),
		"none": nil,
	} {
		if same([]decision.Announcement{base}, other) {
			t.Errorf("%s: a different table has the same fingerprint", name)
		}
	}
	if !same([]decision.Announcement{base}, with(func(*decision.Announcement) {})) {
		t.Error("equal tables have different fingerprints")
	}
	route := withRoute(base, func(*decision.Route) {})
	if !same(route, withRoute(base, func(*decision.Route) {})) {
		t.Error("equal routes have different fingerprints")
	}
	for name, other := range map[string][]decision.Announcement{
		"prefix":        withRoute(base, func(r *decision.Route) { r.Prefix = netip.MustParsePrefix("10.0.0.0/24") }),
		"advertisement": withRoute(base, func(r *decision.Route) { r.Advertisement = "other" }),
		"community":     withRoute(base, func(r *decision.Route) { r.Communities = []decision.Community{{A: 65000, B: 2}} }),
		"local pref":    withRoute(base, func(r *decision.Route) { lp := uint32(200); r.LocalPref = &lp }),
		"no local pref": withRoute(base, func(r *decision.Route) { r.LocalPref = nil }),
		"peers":         withRoute(base, func(r *decision.Route) { r.Peers = []string{"spine-1", "spine-2"} }),
	} {
		if same(route, other) {
			t.Errorf("route %s: a different route has the same fingerprint", name)
		}
	}
}

// withRoute is base with a BGP route, changed by f, compared against the
// unchanged route in the table above through its own fingerprint.
func withRoute(base decision.Announcement, f func(*decision.Route)) []decision.Announcement {
	lp := uint32(100)
	r := &decision.Route{Advertisement: "tor", Prefix: netip.MustParsePrefix("10.0.0.1/32"),
		Communities: []decision.Community{{A: 65000, B: 1}}, LocalPref: &lp, Peers: []string{"spine-1"}}
	f(r)
	a := base
	a.Mode, a.Route = decision.ModeBGP, r
	return []decision.Announcement{a}
}

// TestFingerprintBGPNodeSets: of a BGP announcement the fingerprint
// covers only this node's part, whether it advertises and whether anybody
// does: a node coming or going changes every Cluster announcement (equal
// says whether the decision changed), but only the node itself, or a
// Service nobody advertises any more, needs a reconcile. A new World
// built from the same inputs changes nothing.
func TestFingerprintBGPNodeSets(t *testing.T) {
	seed := maphash.MakeSeed()
	in, svcs := bgpWorld(50, 3)
	self, other := in.Live[1], in.Live[0]
	s := svcs[0]
	before := decision.Build(in).Decide(s)
	if len(before) != 1 || len(before[0].Nodes) != 50 {
		t.Fatalf("want one announcement by 50 nodes, got %v", before)
	}
	without := func(node string) decision.Inputs {
		out := in
		out.Live = slices.DeleteFunc(slices.Clone(in.Live), func(n string) bool { return n == node })
		return out
	}
	cordoned := func(node string) decision.Inputs {
		out := in
		out.Nodes = slices.Clone(in.Nodes)
		for i := range out.Nodes {
			if out.Nodes[i].Name == node {
				out.Nodes[i].Cordoned = true
			}
		}
		return out
	}
	tests := map[string]struct {
		world       decision.Inputs
		svc         func(decision.Service) decision.Service
		equal, same bool
	}{
		"same inputs, new world": {world: in, equal: true, same: true},
		"another node leaves":    {world: without(other), same: true},
		"one node for another": {world: func() decision.Inputs {
			out := without(other)
			out.Nodes = append(slices.Clone(in.Nodes), decision.Node{Name: "node-new"})
			out.Live = append(out.Live, "node-new")
			return out
		}(), same: true},
		"another node is cordoned": {world: cordoned(other), same: true},
		"this node leaves":         {world: without(self)},
		"this node is cordoned":    {world: cordoned(self)},
		"every node leaves":        {world: decision.Inputs{Nodes: in.Nodes, BGP: in.BGP}},
		"Local traffic, same nodes": {world: in, equal: true, same: true,
			svc: func(s decision.Service) decision.Service {
				s.LocalTraffic, s.ReadyNodes = true, in.Live
				return s
			}},
		"Local traffic, another node": {world: in,
			svc: func(s decision.Service) decision.Service {
				s.LocalTraffic, s.ReadyNodes = true, []string{other}
				return s
			}},
		"Local traffic, this node and another": {world: in, same: true,
			svc: func(s decision.Service) decision.Service {
				s.LocalTraffic, s.ReadyNodes = true, []string{other, self}
				return s
			}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			svc := s
			if tc.svc != nil {
				svc = tc.svc(s)
			}
			after := decision.Build(tc.world).Decide(svc)
			equal := len(after) == len(before) && after[0].Equal(before[0])
			if equal != tc.equal {
				t.Fatalf("Equal = %v, want %v: the case does not test what it says", equal, tc.equal)
			}
			if got := fingerprint(seed, self, after) == fingerprint(seed, self, before); got != tc.same {
				t.Errorf("same fingerprint = %v, want %v", got, tc.same)
			}
		})
	}
}
