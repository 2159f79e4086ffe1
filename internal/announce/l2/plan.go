package l2

import (
	"maps"
	"net/netip"
	"slices"
)

// linkChange is what must happen on one link to go from the current
// placement to the desired one.
type linkChange struct {
	link   link
	open   bool         // no responder yet: open one before adding
	close  bool         // nothing left to answer: close the responder after removing
	add    []netip.Addr // sorted
	remove []netip.Addr // sorted
}

// diff compares what is answered (have) with what should be (want) and
// returns the changes, sorted by link, leaving out links that stay as they
// are. A link with an empty address set counts as absent.
func diff(have, want placement) []linkChange {
	var out []linkChange
	links := slices.SortedFunc(maps.Keys(union(have, want)), compareLinks)
	for _, l := range links {
		old, now := have[l], want[l]
		c := linkChange{
			link:  l,
			open:  len(old) == 0 && len(now) > 0,
			close: len(old) > 0 && len(now) == 0,
		}
		for _, a := range sortedKeys(now) {
			if _, ok := old[a]; !ok {
				c.add = append(c.add, a)
			}
		}
		for _, a := range sortedKeys(old) {
			if _, ok := now[a]; !ok {
				c.remove = append(c.remove, a)
			}
		}
		if len(c.add) > 0 || len(c.remove) > 0 {
			out = append(out, c)
		}
	}
	return out
}

func union(a, b placement) map[link]struct{} {
	out := make(map[link]struct{}, len(a)+len(b))
	for l := range a {
		out[l] = struct{}{}
	}
	for l := range b {
		out[l] = struct{}{}
	}
	return out
}
