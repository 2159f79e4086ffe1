package membership

import (
	"errors"
	"maps"
	"net/netip"
	"slices"
	"testing"
	"time"
)

// TestSecretKey: speakers form a cluster only with the same key (the
// speaker reads it from a Secret), so a speaker with another key, or none,
// can neither join the cluster nor be joined by it. Every member joins
// every other's address, as speakers do with the InternalIPs of all Nodes,
// and then each must see exactly its group live.
func TestSecretKey(t *testing.T) {
	k16 := []byte("0123456789abcdef")
	other := []byte("0123456789abcdeX") // one byte apart
	k32 := []byte("0123456789abcdef0123456789abcdef")
	tests := map[string]struct {
		keys   map[string][]byte // member → key; nil for plaintext
		groups [][]string        // who sees whom
	}{
		"same key":                 {map[string][]byte{"a": k16, "b": k16}, [][]string{{"a", "b"}}},
		"same 32-byte key":         {map[string][]byte{"a": k32, "b": k32}, [][]string{{"a", "b"}}},
		"no key on either":         {map[string][]byte{"a": nil, "b": nil}, [][]string{{"a", "b"}}},
		"different keys":           {map[string][]byte{"a": k16, "b": other}, [][]string{{"a"}, {"b"}}},
		"key and none":             {map[string][]byte{"a": k16, "b": nil}, [][]string{{"a"}, {"b"}}},
		"a third with another key": {map[string][]byte{"a": k16, "b": k16, "c": other}, [][]string{{"a", "b"}, {"c"}}},
		"a third without a key":    {map[string][]byte{"a": k16, "b": k16, "c": nil}, [][]string{{"a", "b"}, {"c"}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			names := slices.Sorted(maps.Keys(tc.keys))
			ms := map[string]*Members{}
			var addrs []string
			for _, n := range names {
				o := testOptions(t, n, freePort(t))
				o.SecretKey = tc.keys[n]
				ms[n] = start(t, o)
				addrs = append(addrs, netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(o.BindPort)).String())
			}
			groupOf := map[string][]string{}
			for _, g := range tc.groups {
				for _, n := range g {
					groupOf[n] = g
				}
			}
			// A member alone in its group reaches nobody: its key, or its
			// lack of one, is refused by every other member's. One in a
			// group may find its group live already (joined by an earlier
			// member), so it tries only the refusing peers; Live decides.
			for _, n := range names {
				err := ms[n].Join(addrs)
				if len(groupOf[n]) == 1 && !errors.Is(err, ErrNoPeer) {
					t.Errorf("%s: Join = %v, want ErrNoPeer", n, err)
				}
				if err != nil && !errors.Is(err, ErrNoPeer) {
					t.Errorf("%s: Join = %v", n, err)
				}
			}
			for _, n := range names {
				if _, ok := waitLive(ms[n], groupOf[n], 3*time.Second); !ok {
					t.Fatalf("%s sees %v, want %v", n, ms[n].Live(), groupOf[n])
				}
			}
			// One more rejoin round each, as the background loop runs
			// every RejoinInterval, changes nothing: a refused peer stays
			// refused.
			for _, n := range names {
				ms[n].joinRound()
			}
			for _, n := range names {
				if got := ms[n].Live(); !slices.Equal(got, groupOf[n]) {
					t.Errorf("%s sees %v after a rejoin round, want %v", n, got, groupOf[n])
				}
			}
		})
	}
}
