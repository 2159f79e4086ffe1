package decision

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/farol-lb/farol/internal/election"
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

// manyAddrs returns n addresses, IPv4 and IPv6 alternating. A case that
// decides one address passes whenever the hash happens to pick an allowed
// node; with 200 the ring hits every candidate of a small cluster (a node
// missing all of them has odds of (2/3)^200), so a filter that lets a node
// through shows up as an owner, and one that drops a node shows up as a
// node owning nothing.
func manyAddrs(n int) []netip.Addr {
	out := make([]netip.Addr, n)
	for i := range out {
		if i%2 == 0 {
			out[i] = netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)})
		} else {
			out[i] = netip.MustParseAddr(fmt.Sprintf("fd00::%x", i))
		}
	}
	return out
}

func svc(opts ...func(*Service)) Service {
	s := Service{Key: "ns/s", Addrs: manyAddrs(200), Pool: "p", ReadyNodes: []string{"a", "b", "c"}}
	for _, o := range opts {
		o(&s)
	}
	return s
}

func local(ready ...string) func(*Service) {
	return func(s *Service) { s.LocalTraffic, s.ReadyNodes = true, ready }
}

// TestDecide checks each rule by the exact set of owners over many
// addresses: every case has a node that only its rule keeps out, and every
// node it lets in must own some address.
func TestDecide(t *testing.T) {
	all := []Advertisement{{Name: "all"}}
	abc := []string{"a", "b", "c"}
	tests := map[string]struct {
		nodes []Node
		live  []string
		ads   []Advertisement
		svc   Service
		// want maps each owner to its interfaces (nil: every suitable
		// one); its keys are exactly the nodes that must own addresses.
		// Empty means nobody, for reason.
		want   map[string][]string
		reason string
	}{
		"every live node": {nodes("a", "b", "c"), abc, all, svc(), map[string][]string{"a": nil, "b": nil, "c": nil}, ""},
		"no node":         {nil, nil, all, svc(), nil, "no live speaker"},
		"not live":        {nodes("a", "b", "c"), []string{"b", "c"}, all, svc(), map[string][]string{"b": nil, "c": nil}, ""},
		"live but no node": {nodes("a", "b"), []string{"a", "b", "ghost"}, all, svc(),
			map[string][]string{"a": nil, "b": nil}, ""},
		"no advertisement": {nodes("a"), []string{"a"}, nil, svc(), nil, `no L2Advertisement or BGPAdvertisement selects pool "p"`},
		"other pool": {nodes("a"), []string{"a"}, []Advertisement{{Name: "x", Pool: pools("q")}}, svc(),
			nil, "selects pool"},
		// Each pool has its own nodes: an advertisement of another pool
		// must not lend its nodes.
		"pool picks the advertisement": {nodes("a", "b", "c"), abc,
			[]Advertisement{{Name: "x", Pool: pools("p"), Node: onNodes("a", "b")}, {Name: "y", Pool: pools("q"), Node: onNodes("c")}},
			svc(), map[string][]string{"a": nil, "b": nil}, ""},
		"node selector": {nodes("a", "b", "c"), abc, []Advertisement{{Name: "x", Node: onNodes("b", "c"), Interfaces: []string{"eth1"}}},
			svc(), map[string][]string{"b": {"eth1"}, "c": {"eth1"}}, ""},
		// The owner answers on the interfaces of every advertisement that
		// selects it, merged, and not on those of advertisements for other
		// nodes.
		"interfaces per node": {nodes("a", "b", "c"), abc,
			[]Advertisement{
				{Name: "x", Node: onNodes("a", "b"), Interfaces: []string{"eth1"}},
				{Name: "y", Node: onNodes("b", "c"), Interfaces: []string{"eth0"}},
				{Name: "z", Node: onNodes("b"), Interfaces: []string{"eth1"}},
			},
			svc(), map[string][]string{"a": {"eth1"}, "b": {"eth0", "eth1"}, "c": {"eth0"}}, ""},
		"any interface wins": {nodes("a", "b"), []string{"a", "b"},
			[]Advertisement{{Name: "x", Interfaces: []string{"eth1"}}, {Name: "y", Node: onNodes("b")}},
			svc(), map[string][]string{"a": {"eth1"}, "b": nil}, ""},
		"no ready endpoint": {nodes("a"), []string{"a"}, all, svc(func(s *Service) { s.ReadyNodes = nil }), nil, "no ready endpoint"},
		// With externalTrafficPolicy Cluster kube-proxy forwards from any
		// node, so where the endpoints run does not matter.
		"cluster traffic, endpoint elsewhere": {nodes("a", "b", "c"), abc, all, svc(func(s *Service) { s.ReadyNodes = []string{"b"} }),
			map[string][]string{"a": nil, "b": nil, "c": nil}, ""},
		"local":                {nodes("a", "b", "c"), abc, all, svc(local("b", "c")), map[string][]string{"b": nil, "c": nil}, ""},
		"local, endpoint dead": {nodes("a", "b"), []string{"a"}, all, svc(local("b")), nil, "ready local endpoint"},
		"excluded": {[]Node{{Name: "a", Excluded: true}, {Name: "b"}, {Name: "c"}}, abc, all, svc(),
			map[string][]string{"b": nil, "c": nil}, ""},
		"network unavailable": {[]Node{{Name: "a"}, {Name: "b", NetworkUnavailable: true}, {Name: "c"}}, abc, all, svc(),
			map[string][]string{"a": nil, "c": nil}, ""},
		"cordoned": {[]Node{{Name: "a"}, {Name: "b"}, {Name: "c", Cordoned: true}}, abc, all, svc(),
			map[string][]string{"a": nil, "b": nil}, ""},
		"all cordoned": {[]Node{{Name: "a", Cordoned: true}, {Name: "b", Cordoned: true}}, []string{"a", "b"}, all, svc(),
			nil, "cordoned"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := NewWorld(tc.nodes, tc.live, tc.ads).Decide(tc.svc)
			checkOwners(t, tc.svc, got, tc.want, tc.reason)
		})
	}
}

// checkOwners fails unless got has one announcement per address of s, the
// owners are exactly the keys of want, each with its interfaces, and when
// nobody owns an address its reason contains reason.
func checkOwners(t *testing.T, s Service, got []Announcement, want map[string][]string, reason string) {
	t.Helper()
	if len(got) != len(s.Addrs) {
		t.Fatalf("%d announcements for %d addresses", len(got), len(s.Addrs))
	}
	owned := map[string]int{}
	for i, a := range got {
		if a.Addr != s.Addrs[i] || a.Service != s.Key {
			t.Fatalf("announcement %d is %s of %s, want %s of %s", i, a.Addr, a.Service, s.Addrs[i], s.Key)
		}
		if len(want) == 0 {
			if a.Owner() != "" || !strings.Contains(a.Reason, reason) {
				t.Fatalf("%s: owner %q reason %q, want nobody because %q", a.Addr, a.Owner(), a.Reason, reason)
			}
			continue
		}
		ifaces, ok := want[a.Owner()]
		if !ok || a.Reason != "" {
			t.Fatalf("%s: owner %q (%q), want one of %v", a.Addr, a.Owner(), a.Reason, slices.Sorted(maps.Keys(want)))
		}
		if !slices.Equal(a.Interfaces, ifaces) {
			t.Fatalf("%s: %s answers on %v, want %v", a.Addr, a.Owner(), a.Interfaces, ifaces)
		}
		owned[a.Owner()]++
	}
	for n := range want {
		if owned[n] == 0 {
			t.Errorf("%s owns none of %d addresses; owners %v", n, len(got), owned)
		}
	}
}

// TestDecideSharesWorld decides several Services on one World, in order:
// the candidate sets World caches between Services must not carry one
// Service's filters over to the next.
func TestDecideSharesWorld(t *testing.T) {
	abc := []string{"a", "b", "c"}
	anyIface := map[string][]string{"a": nil, "b": nil, "c": nil}
	type step struct {
		svc  Service
		want map[string][]string
	}
	tests := map[string]struct {
		ads   []Advertisement
		steps []step
	}{
		"local, then cluster": {[]Advertisement{{Name: "all"}}, []step{
			{svc(local("a")), map[string][]string{"a": nil}},
			{svc(), anyIface},
		}},
		"cluster, then local": {[]Advertisement{{Name: "all"}}, []step{
			{svc(), anyIface},
			{svc(local("c")), map[string][]string{"c": nil}},
		}},
		"two local Services": {[]Advertisement{{Name: "all"}}, []step{
			{svc(local("a")), map[string][]string{"a": nil}},
			{svc(local("b", "c")), map[string][]string{"b": nil, "c": nil}},
		}},
		"two pools": {
			[]Advertisement{{Name: "x", Pool: pools("p"), Node: onNodes("a")}, {Name: "y", Pool: pools("q"), Node: onNodes("b", "c")}},
			[]step{
				{svc(), map[string][]string{"a": nil}},
				{svc(func(s *Service) { s.Pool = "q" }), map[string][]string{"b": nil, "c": nil}},
				{svc(), map[string][]string{"a": nil}},
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			w := NewWorld(nodes(abc...), abc, tc.ads)
			for i, st := range tc.steps {
				t.Logf("step %d: pool %s, local %v on %v", i, st.svc.Pool, st.svc.LocalTraffic, st.svc.ReadyNodes)
				checkOwners(t, st.svc, w.Decide(st.svc), st.want, "")
			}
		})
	}
}

func TestProtocol(t *testing.T) {
	tests := map[string]struct {
		published map[string]int
		want      election.Protocol
	}{
		"all new":             {map[string]int{"a": 2, "b": 2}, election.ProtocolCells},
		"one old":             {map[string]int{"a": 2, "b": 1}, election.ProtocolRing},
		"one publishes none":  {map[string]int{"a": 2, "b": 0}, election.ProtocolRing},
		"one from the future": {map[string]int{"a": 2, "b": 3}, election.ProtocolCells},
		"alone":               {nil, election.LatestProtocol},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Protocol(tc.published); got != tc.want {
				t.Fatalf("Protocol(%v) = %v, want %v", tc.published, got, tc.want)
			}
		})
	}
}
