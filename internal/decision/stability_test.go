package decision

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
)

// TestNodeLeavingMovesOnlyItsAddresses: when a speaker stops counting (it
// dies, is cordoned, excluded or loses its network) the addresses it owned
// move and no other does, and it owned about 1/N of them. This holds only
// because NewWorld builds the ring from every known node and expresses
// liveness through the candidates: a ring built from the usable nodes
// gives each node twice the points when N drops below a power of two (see
// election's pointsPerNode), which reshuffles addresses between nodes that
// stayed. Hence the sizes: 4→3, 8→7 and 64→63 each cross one, and 3→2,
// which does not, covers the plain case.
func TestNodeLeavingMovesOnlyItsAddresses(t *testing.T) {
	dead := func(ns []Node, live []string, gone string) ([]Node, []string) {
		return ns, without(live, gone)
	}
	flag := func(set func(*Node)) func([]Node, []string, string) ([]Node, []string) {
		return func(ns []Node, live []string, gone string) ([]Node, []string) {
			out := make([]Node, len(ns))
			for i, n := range ns {
				if n.Name == gone {
					set(&n)
				}
				out[i] = n
			}
			return out, live
		}
	}
	tests := map[string]struct {
		nodes, addrs int
		gone         string
		leave        func(ns []Node, live []string, gone string) ([]Node, []string)
		// tol bounds each node's share, the departed one's included:
		// (1±tol)/N.
		tol float64
	}{
		"3→2, speaker dies":        {3, 1000, "n2", dead, 0.2},
		"4→3, first dies":          {4, 1000, "n1", dead, 0.2},
		"4→3, second dies":         {4, 1000, "n2", dead, 0.2},
		"4→3, third dies":          {4, 1000, "n3", dead, 0.2},
		"4→3, last dies":           {4, 1000, "n4", dead, 0.2},
		"4→3, cordoned":            {4, 1000, "n3", flag(func(n *Node) { n.Cordoned = true }), 0.2},
		"4→3, excluded":            {4, 1000, "n3", flag(func(n *Node) { n.Excluded = true }), 0.2},
		"4→3, network unavailable": {4, 1000, "n3", flag(func(n *Node) { n.NetworkUnavailable = true }), 0.2},
		"8→7, speaker dies":        {8, 2000, "n5", dead, 0.25},
		"64→63, speaker dies":      {64, 6400, "n40", dead, 0.5},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ns, live := nodeNames(tc.nodes)
			s := Service{Key: "ns/s", Addrs: manyAddrs(tc.addrs), Pool: "p", ReadyNodes: live}
			ads := []Advertisement{{Name: "all"}}
			before := owners(t, NewWorld(ns, live, ads).Decide(s))
			checkSpread(t, before, live, tc.tol)

			afterNodes, afterLive := tc.leave(ns, live, tc.gone)
			after := owners(t, NewWorld(afterNodes, afterLive, ads).Decide(s))
			moved, strays := 0, 0
			for a, was := range before {
				now := after[a]
				switch {
				case was == tc.gone && now == tc.gone:
					t.Fatalf("%s still on %s, which left", a, tc.gone)
				case was == tc.gone:
					moved++
				case now != was:
					if strays == 0 {
						t.Errorf("%s moved from %s to %s, though only %s left", a, was, now, tc.gone)
					}
					strays++
				}
			}
			t.Logf("%s left: its %d of %d addresses moved (1/N = %d), and %d others", tc.gone, moved, tc.addrs, tc.addrs/tc.nodes, strays)
			if strays > 0 {
				t.Errorf("%d addresses of nodes that stayed moved", strays)
			}

			// Coming back, it takes its own addresses back and nothing else
			// moves: the table is the one before it left.
			back := owners(t, NewWorld(ns, live, ads).Decide(s))
			for a, was := range before {
				if back[a] != was {
					t.Fatalf("%s on %s after %s came back, was on %s", a, back[a], tc.gone, was)
				}
			}
		})
	}
}

// nodeNames returns n nodes named n1…nN, and their names.
func nodeNames(n int) ([]Node, []string) {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("n%d", i+1)
	}
	return nodes(names...), names
}

func without(names []string, drop string) []string {
	return slices.DeleteFunc(slices.Clone(names), func(n string) bool { return n == drop })
}

// owners maps each address to its owner and fails if one has none.
func owners(t *testing.T, ans []Announcement) map[netip.Addr]string {
	t.Helper()
	out := make(map[netip.Addr]string, len(ans))
	for _, a := range ans {
		if a.Owner() == "" {
			t.Fatalf("%s has no owner: %s", a.Addr, a.Reason)
		}
		out[a.Addr] = a.Owner()
	}
	return out
}

// checkSpread fails unless every node owns (1±tol)/N of the addresses.
func checkSpread(t *testing.T, table map[netip.Addr]string, names []string, tol float64) {
	t.Helper()
	count := map[string]int{}
	for _, o := range table {
		count[o]++
	}
	want := float64(len(table)) / float64(len(names))
	for _, n := range names {
		if c := float64(count[n]); c < want*(1-tol) || c > want*(1+tol) {
			t.Errorf("%s owns %.0f of %d addresses, want %.0f ± %.0f%%", n, c, len(table), want, 100*tol)
		}
	}
}
