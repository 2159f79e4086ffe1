package speaker

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func nodes(names ...string) []Node {
	out := make([]Node, len(names))
	for i, n := range names {
		out[i] = Node{Name: n, Labels: map[string]string{"name": n}}
	}
	return out
}

func pools(names ...string) func(string) bool {
	return func(p string) bool { return slices.Contains(names, p) }
}

func onNodes(names ...string) func(map[string]string) bool {
	return func(l map[string]string) bool { return slices.Contains(names, l["name"]) }
}

var vip = netip.MustParseAddr("10.0.0.1")

func svc(opts ...func(*Service)) Service {
	s := Service{Key: "ns/s", Addrs: []netip.Addr{vip}, Pool: "p", ReadyNodes: []string{"a", "b", "c"}}
	for _, o := range opts {
		o(&s)
	}
	return s
}

func TestDecide(t *testing.T) {
	all := []Advertisement{{Name: "all"}}
	tests := map[string]struct {
		nodes  []Node
		live   []string
		ads    []Advertisement
		svc    Service
		owners []string // allowed owners; empty = nobody
		ifaces []string
		reason string
	}{
		"any live node":        {nodes(), nil, all, svc(), nil, nil, "no live speaker"},
		"one live node":        {nodes("a", "b"), []string{"b"}, all, svc(), []string{"b"}, nil, ""},
		"no advertisement":     {nodes("a"), []string{"a"}, nil, svc(), nil, nil, `no L2Advertisement or BGPAdvertisement selects pool "p"`},
		"other pool":           {nodes("a"), []string{"a"}, []Advertisement{{Name: "x", Pool: pools("q")}}, svc(), nil, nil, "selects pool"},
		"node selector":        {nodes("a", "b", "c"), []string{"a", "b", "c"}, []Advertisement{{Name: "x", Node: onNodes("c"), Interfaces: []string{"eth1"}}}, svc(), []string{"c"}, []string{"eth1"}, ""},
		"interfaces merge":     {nodes("a"), []string{"a"}, []Advertisement{{Name: "x", Interfaces: []string{"eth1"}}, {Name: "y", Interfaces: []string{"eth0", "eth1"}}}, svc(), []string{"a"}, []string{"eth0", "eth1"}, ""},
		"any interface wins":   {nodes("a"), []string{"a"}, []Advertisement{{Name: "x", Interfaces: []string{"eth1"}}, {Name: "y"}}, svc(), []string{"a"}, nil, ""},
		"no ready endpoint":    {nodes("a"), []string{"a"}, all, svc(func(s *Service) { s.ReadyNodes = nil }), nil, nil, "no ready endpoint"},
		"local":                {nodes("a", "b", "c"), []string{"a", "b", "c"}, all, svc(func(s *Service) { s.LocalTraffic, s.ReadyNodes = true, []string{"b"} }), []string{"b"}, nil, ""},
		"local, endpoint dead": {nodes("a", "b"), []string{"a"}, all, svc(func(s *Service) { s.LocalTraffic, s.ReadyNodes = true, []string{"b"} }), nil, nil, "ready local endpoint"},
		"excluded":             {[]Node{{Name: "a", Excluded: true}, {Name: "b"}}, []string{"a", "b"}, all, svc(), []string{"b"}, nil, ""},
		"network unavailable":  {[]Node{{Name: "a", NetworkUnavailable: true}, {Name: "b"}}, []string{"a", "b"}, all, svc(), []string{"b"}, nil, ""},
		"cordoned":             {[]Node{{Name: "a", Cordoned: true}, {Name: "b", Cordoned: true}}, []string{"a", "b"}, all, svc(), nil, nil, "cordoned"},
		"live but no node":     {nodes("a"), []string{"a", "ghost"}, all, svc(), []string{"a"}, nil, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := NewWorld(tc.nodes, tc.live, tc.ads).Decide(tc.svc)
			if len(got) != 1 {
				t.Fatalf("%d announcements", len(got))
			}
			a := got[0]
			if len(tc.owners) == 0 {
				if a.Owner != "" || !strings.Contains(a.Reason, tc.reason) {
					t.Fatalf("owner %q reason %q, want nobody because %q", a.Owner, a.Reason, tc.reason)
				}
				return
			}
			if !slices.Contains(tc.owners, a.Owner) || !slices.Equal(a.Interfaces, tc.ifaces) || a.Reason != "" {
				t.Fatalf("owner %q on %v (%q), want one of %v on %v", a.Owner, a.Interfaces, a.Reason, tc.owners, tc.ifaces)
			}
		})
	}
}

// TestDecideSpreadAndStability: every speaker computes the same owners,
// they spread evenly, and a node leaving moves only its own addresses.
func TestDecideSpreadAndStability(t *testing.T) {
	names := []string{"n1", "n2", "n3"}
	ads := []Advertisement{{Name: "all"}}
	var svcs []Service
	for i := range 1000 {
		a := netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)})
		svcs = append(svcs, Service{Key: fmt.Sprint(i), Addrs: []netip.Addr{a}, Pool: "p", ReadyNodes: names})
	}
	before := map[netip.Addr]string{}
	count := map[string]int{}
	w := NewWorld(nodes(names...), names, ads)
	for _, s := range svcs {
		a := w.Decide(s)[0]
		before[a.Addr] = a.Owner
		count[a.Owner]++
	}
	for _, n := range names {
		if c := count[n]; c < 267 || c > 400 {
			t.Errorf("%s owns %d of 1000, want 333±20%%", n, c)
		}
	}
	w2 := NewWorld(nodes(names...), []string{"n1", "n3"}, ads)
	for _, s := range svcs {
		a := w2.Decide(s)[0]
		if before[a.Addr] != "n2" && a.Owner != before[a.Addr] {
			t.Fatalf("%s moved from %s to %s though n2 left", a.Addr, before[a.Addr], a.Owner)
		}
		if a.Owner == "n2" {
			t.Fatalf("%s still on the dead node", a.Addr)
		}
	}
}
