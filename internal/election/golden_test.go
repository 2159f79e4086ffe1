package election

import (
	"net/netip"
	"slices"
	"testing"
)

// TestGolden pins the hash functions and ring layout. If it fails, speakers
// of this version disagree with the previous one on who announces what: see
// "Compatibility" in doc.go before changing the expected values.
func TestGolden(t *testing.T) {
	r := NewRing([]string{"node-a", "node-b", "node-c", "node-d", "node-e"})
	tests := map[string]struct {
		addr string
		want string
	}{
		"first ipv4":      {"192.0.2.1", "node-b"},
		"next ipv4":       {"192.0.2.2", "node-d"},
		"other ipv4":      {"198.51.100.77", "node-c"},
		"network address": {"10.0.0.0", "node-d"},
		"ipv6":            {"2001:db8::1", "node-d"},
		"ula":             {"fd00::abcd", "node-c"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got, _ := r.Owner(netip.MustParseAddr(tc.addr), nil); got != tc.want {
				t.Errorf("Owner(%s) = %q, want %q", tc.addr, got, tc.want)
			}
		})
	}

	wantRanked := []string{"node-b", "node-c", "node-e", "node-d", "node-a"}
	if got := r.Ranked(netip.MustParseAddr("192.0.2.1"), nil, 5); !slices.Equal(got, wantRanked) {
		t.Errorf("Ranked(192.0.2.1) = %v, want %v", got, wantRanked)
	}

	points := map[string]struct{ got, want uint64 }{
		"addrPoint(192.0.2.1)":   {addrPoint(netip.MustParseAddr("192.0.2.1")), 0x6b390e5096f79c83},
		"addrPoint(2001:db8::1)": {addrPoint(netip.MustParseAddr("2001:db8::1")), 0x504b8dce1c938e43},
		"nodePoint(node-a, 0)":   {nodePoint(nameSeed("node-a"), 0), 0x40a36dc372dab80a},
	}
	for name, p := range points {
		if p.got != p.want {
			t.Errorf("%s = %#x, want %#x", name, p.got, p.want)
		}
	}
}
