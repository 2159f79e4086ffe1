package election

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
)

func TestPointsPerNode(t *testing.T) {
	tests := map[string]struct {
		nodes, want int
	}{
		"empty":          {0, 0},
		"one":            {1, 4096},
		"three":          {3, 2048},
		"four":           {4, 1024},
		"five":           {5, 1024},
		"255":            {255, 32},
		"256 and beyond": {256, 16},
		"5000":           {5000, 16},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := pointsPerNode(tc.nodes); got != tc.want {
				t.Errorf("pointsPerNode(%d) = %d, want %d", tc.nodes, got, tc.want)
			}
			r := NewRingFor(ProtocolRing, nodes(tc.nodes))
			if len(r.hashes) != tc.nodes*tc.want || len(r.owners) != len(r.hashes) || len(r.byNode) != len(r.hashes) {
				t.Errorf("ring of %d nodes has %d/%d/%d points, want %d", tc.nodes, len(r.hashes), len(r.owners), len(r.byNode), tc.nodes*tc.want)
			}
			if !slices.IsSorted(r.hashes) {
				t.Error("ring points are not sorted")
			}
		})
	}
}

func TestOwner(t *testing.T) {
	for _, p := range []Protocol{ProtocolRing, ProtocolCells} {
		t.Run(fmt.Sprint("protocol ", p), func(t *testing.T) { testOwner(t, p) })
	}
}

func testOwner(t *testing.T, p Protocol) {
	NewRing := func(n []string) *Ring { return NewRingFor(p, n) }
	three := NewRing([]string{"a", "b", "c"})
	addr := netip.MustParseAddr("192.0.2.10")
	tests := map[string]struct {
		ring   *Ring
		addr   netip.Addr
		cands  func(r *Ring) *Candidates
		wantOK bool
		in     []string // the owner must be one of these
	}{
		"all nodes":              {three, addr, (*Ring).All, true, []string{"a", "b", "c"}},
		"nil means all":          {three, addr, func(*Ring) *Candidates { return nil }, true, []string{"a", "b", "c"}},
		"single candidate":       {three, addr, func(r *Ring) *Candidates { return r.Candidates([]string{"b"}) }, true, []string{"b"}},
		"unknown names ignored":  {three, addr, func(r *Ring) *Candidates { return r.Candidates([]string{"x", "c"}) }, true, []string{"c"}},
		"no candidate":           {three, addr, func(r *Ring) *Candidates { return r.Candidates(nil) }, false, nil},
		"only unknown names":     {three, addr, func(r *Ring) *Candidates { return r.Candidates([]string{"x"}) }, false, nil},
		"empty ring":             {NewRing(nil), addr, (*Ring).All, false, nil},
		"zero address":           {three, netip.Addr{}, (*Ring).All, false, nil},
		"ipv6":                   {three, netip.MustParseAddr("2001:db8::1"), (*Ring).All, true, []string{"a", "b", "c"}},
		"empty names are no one": {NewRing([]string{"", ""}), addr, (*Ring).All, false, nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := tc.ring.Owner(tc.addr, tc.cands(tc.ring))
			if ok != tc.wantOK {
				t.Fatalf("Owner() ok = %v, want %v (owner %q)", ok, tc.wantOK, got)
			}
			if ok && !slices.Contains(tc.in, got) {
				t.Errorf("Owner() = %q, want one of %v", got, tc.in)
			}
			if !ok && got != "" {
				t.Errorf("Owner() = %q with ok=false, want empty", got)
			}
		})
	}
}

func TestOwnerNormalisesAddresses(t *testing.T) {
	r := NewRing(nodes(7))
	tests := map[string]struct{ a, b string }{
		"ipv4-mapped ipv6": {"192.0.2.7", "::ffff:192.0.2.7"},
		"zone":             {"fe80::1", "fe80::1%eth0"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			a, _ := r.Owner(netip.MustParseAddr(tc.a), nil)
			b, _ := r.Owner(netip.MustParseAddr(tc.b), nil)
			if a != b {
				t.Errorf("Owner(%s) = %q, Owner(%s) = %q; want equal", tc.a, a, tc.b, b)
			}
		})
	}
}

func TestRanked(t *testing.T) {
	r := NewRing(nodes(10))
	c := r.Candidates([]string{"worker-0001", "worker-0003", "worker-0005", "worker-0007"})
	addr := netip.MustParseAddr("198.51.100.1")
	tests := map[string]struct {
		n, wantLen int
	}{
		"zero":           {0, 0},
		"negative":       {-1, 0},
		"one":            {1, 1},
		"two":            {2, 2},
		"all":            {4, 4},
		"more than held": {9, 4},
	}
	owner, _ := r.Owner(addr, c)
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := r.Ranked(addr, c, tc.n)
			if len(got) != tc.wantLen {
				t.Fatalf("Ranked(n=%d) = %v, want %d names", tc.n, got, tc.wantLen)
			}
			if len(got) > 0 && got[0] != owner {
				t.Errorf("Ranked()[0] = %q, want the owner %q", got[0], owner)
			}
			seen := map[string]bool{}
			for _, n := range got {
				if seen[n] || !slices.Contains(c.Names(), n) {
					t.Errorf("Ranked() = %v: %q repeated or not a candidate", got, n)
				}
				seen[n] = true
			}
		})
	}
}

func TestCandidates(t *testing.T) {
	r := NewRing([]string{"c", "a", "b", "a"})
	if got, want := r.Nodes(), []string{"a", "b", "c"}; !slices.Equal(got, want) {
		t.Errorf("Nodes() = %v, want %v", got, want)
	}
	tests := map[string]struct {
		names []string
		want  []string
	}{
		"none":              {nil, []string{}},
		"duplicates":        {[]string{"b", "b", "a"}, []string{"a", "b"}},
		"unknown dropped":   {[]string{"z", "c"}, []string{"c"}},
		"order is ignored":  {[]string{"c", "a", "b"}, []string{"a", "b", "c"}},
		"empty name absent": {[]string{""}, []string{}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := r.Candidates(tc.names)
			if got := c.Names(); !slices.Equal(got, tc.want) {
				t.Errorf("Names() = %v, want %v", got, tc.want)
			}
			if c.Len() != len(tc.want) || bitCount(c) != len(tc.want) {
				t.Errorf("Len() = %d, bits = %d, want %d", c.Len(), bitCount(c), len(tc.want))
			}
		})
	}
	if r.All().Len() != 3 {
		t.Errorf("All().Len() = %d, want 3", r.All().Len())
	}

	// From bitsetMin names on, a set also carries a bitset; both halves must
	// agree.
	big := NewRing(nodes(500))
	for _, k := range []int{bitsetMin - 1, bitsetMin, 300, 500} {
		c := big.Candidates(nodes(k))
		if c.Len() != k || bitCount(c) != k || (c.bits != nil) != (k >= bitsetMin) {
			t.Errorf("%d names: Len() = %d, bits = %d, bitset %v", k, c.Len(), bitCount(c), c.bits != nil)
		}
		for id := range int32(500) {
			if c.has(id) != (int(id) < k) {
				t.Fatalf("%d names: has(%d) = %v", k, id, c.has(id))
			}
		}
	}
}

func TestForeignCandidatesPanic(t *testing.T) {
	a, b := NewRing([]string{"x"}), NewRing([]string{"x"})
	defer func() {
		if recover() == nil {
			t.Error("Owner with another ring's Candidates did not panic")
		}
	}()
	a.Owner(netip.MustParseAddr("192.0.2.1"), b.All())
}

// TestSuccessor checks the bucket index against a plain binary search,
// including the wrap past the last point and hashes equal to a point.
func TestSuccessor(t *testing.T) {
	for _, n := range []int{1, 3, 5, 300, 5000} {
		r := NewRingFor(ProtocolRing, nodes(n))
		probe := []uint64{0, 1, r.hashes[0], r.hashes[len(r.hashes)-1], r.hashes[len(r.hashes)-1] + 1, 1<<63 - 1, 1 << 63, ^uint64(0)}
		for i := 0; i < len(r.hashes); i += 97 {
			probe = append(probe, r.hashes[i], r.hashes[i]-1, r.hashes[i]+1)
		}
		for _, h := range probe {
			want, _ := slices.BinarySearch(r.hashes, h)
			if want == len(r.hashes) {
				want = 0
			}
			if got := r.successor(h); got != want {
				t.Fatalf("%d nodes: successor(%#x) = %d, want %d", n, h, got, want)
			}
		}
	}
}

func TestProtocol(t *testing.T) {
	if p := NewRing(nil).Protocol(); p != ProtocolCells || LatestProtocol != ProtocolCells {
		t.Errorf("NewRing builds protocol %d, want %d", p, ProtocolCells)
	}
	if p := NewRingFor(ProtocolRing, nil).Protocol(); p != ProtocolRing {
		t.Errorf("NewRingFor(ProtocolRing) builds protocol %d", p)
	}
	defer func() {
		if recover() == nil {
			t.Error("NewRingFor(3) did not panic")
		}
	}()
	NewRingFor(3, nil)
}
