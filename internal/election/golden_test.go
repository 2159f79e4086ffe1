package election

import (
	"net/netip"
	"slices"
	"testing"
)

// TestGolden pins protocol 2 (NewRing's): hash functions, cell layout and
// rendezvous order. If it fails, speakers of this version disagree with the
// previous one on who announces what: see "Compatibility" in doc.go before
// changing the expected values.
func TestGolden(t *testing.T) {
	r := NewRing([]string{"node-a", "node-b", "node-c", "node-d", "node-e"})
	checkGolden(t, r, map[string]string{
		"192.0.2.1":     "node-d",
		"192.0.2.2":     "node-b",
		"198.51.100.77": "node-d",
		"10.0.0.0":      "node-a",
		"2001:db8::1":   "node-b",
		"fd00::abcd":    "node-e",
	}, []string{"node-d", "node-b", "node-e", "node-a", "node-c"})

	// A large ring, where the cell decides before the score does.
	big := NewRing(nodes(5000))
	checkGolden(t, big, map[string]string{
		"192.0.2.1":   "worker-0719",
		"10.0.0.0":    "worker-0343",
		"2001:db8::1": "worker-4419",
	}, nil)
	three := big.Candidates([]string{"worker-0001", "worker-2500", "worker-4999"})
	if got, _ := big.Owner(netip.MustParseAddr("192.0.2.1"), three); got != "worker-0001" {
		t.Errorf("Owner(192.0.2.1, 3 of 5000) = %q, want %q", got, "worker-0001")
	}

	points := map[string]struct{ got, want uint64 }{
		"addrPoint(192.0.2.1)":   {addrPoint(netip.MustParseAddr("192.0.2.1")), 0x6b390e5096f79c83},
		"addrPoint(2001:db8::1)": {addrPoint(netip.MustParseAddr("2001:db8::1")), 0x504b8dce1c938e43},
		"nodePoint(node-a, 0)":   {nodePoint(nameSeed("node-a"), 0), 0x40a36dc372dab80a},
		"nodeKey(node-a)":        {nodeKey(nameSeed("node-a")), 0x76e70af266904372},
	}
	for name, p := range points {
		if p.got != p.want {
			t.Errorf("%s = %#x, want %#x", name, p.got, p.want)
		}
	}
}

// TestGoldenRing pins protocol 1, which NewRingFor(ProtocolRing) keeps for
// rolling upgrades from the versions that used it: it must not change.
func TestGoldenRing(t *testing.T) {
	r := NewRingFor(ProtocolRing, []string{"node-a", "node-b", "node-c", "node-d", "node-e"})
	checkGolden(t, r, map[string]string{
		"192.0.2.1":     "node-b",
		"192.0.2.2":     "node-d",
		"198.51.100.77": "node-c",
		"10.0.0.0":      "node-d",
		"2001:db8::1":   "node-d",
		"fd00::abcd":    "node-c",
	}, []string{"node-b", "node-c", "node-e", "node-d", "node-a"})
}

// checkGolden checks owners and, when wantRanked is set, the full ranking
// of 192.0.2.1.
func checkGolden(t *testing.T, r *Ring, want map[string]string, wantRanked []string) {
	t.Helper()
	for addr, w := range want {
		if got, _ := r.Owner(netip.MustParseAddr(addr), nil); got != w {
			t.Errorf("protocol %d, %d nodes: Owner(%s) = %q, want %q", r.Protocol(), r.Len(), addr, got, w)
		}
	}
	if wantRanked == nil {
		return
	}
	if got := r.Ranked(netip.MustParseAddr("192.0.2.1"), nil, len(wantRanked)); !slices.Equal(got, wantRanked) {
		t.Errorf("protocol %d: Ranked(192.0.2.1) = %v, want %v", r.Protocol(), got, wantRanked)
	}
}
