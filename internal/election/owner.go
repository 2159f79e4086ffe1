package election

import (
	"cmp"
	"math/bits"
	"net/netip"
	"slices"
)

// Owner returns the node of c that announces addr under the ring's
// protocol (see "Design" in the package documentation). It reports false when c is empty or
// addr is the zero Addr. A nil c means every node on the ring.
func (r *Ring) Owner(addr netip.Addr, c *Candidates) (string, bool) {
	var buf [1]int32
	ranked := r.rank(addr, c, 1, buf[:0])
	if len(ranked) == 0 {
		return "", false
	}
	return r.names[ranked[0]], true
}

// Ranked returns up to n distinct candidates in the order the ring prefers
// them for addr: Ranked(addr, c, n)[0] is Owner(addr, c), the next is the
// owner if the first leaves c, and so on. The caller uses the second entry
// to hand an address over before a speaker stops.
func (r *Ring) Ranked(addr netip.Addr, c *Candidates, n int) []string {
	ranked := r.rank(addr, c, n, nil)
	out := make([]string, len(ranked))
	for i, id := range ranked {
		out[i] = r.names[id]
	}
	return out
}

// Assign returns the owner of every address in addrs, which maps each
// address to its candidates (nil meaning all nodes). Addresses without a
// candidate are absent from the result. Addresses that share a candidate set
// should share one *Candidates value: building it is the expensive part.
func (r *Ring) Assign(addrs map[netip.Addr]*Candidates) map[netip.Addr]string {
	out := make(map[netip.Addr]string, len(addrs))
	var buf []int32
	for a, c := range addrs {
		buf = r.rank(a, c, 1, buf[:0])
		if len(buf) > 0 {
			out[a] = r.names[buf[0]]
		}
	}
	return out
}

// rank appends to dst the ids of the first n candidates for addr. Under
// protocol 1 it chooses between two searches that return the same answer (a property test checks
// it): walking the circle, whose expected length is n·N/k points for k
// candidates among N nodes, or searching each candidate's own sorted points,
// k·log2(v) steps. The walk wins when most nodes are candidates, the search
// when few are.
func (r *Ring) rank(addr netip.Addr, c *Candidates, n int, dst []int32) []int32 {
	if c == nil {
		c = r.every
	} else if c.ring != r {
		panic("election: Candidates used with a ring other than the one that built them")
	}
	n = min(n, len(c.ids))
	if n <= 0 || !addr.IsValid() {
		return dst
	}
	h := addrPoint(addr)
	if r.proto == ProtocolCells {
		return r.rankCells(h, c, n, dst)
	}
	k := len(c.ids)
	walk := n * len(r.names) / k
	search := k * (bits.Len(uint(r.v)) + 1)
	if search < walk {
		return r.search(h, c, n, dst)
	}
	return r.walk(h, c, n, dst)
}

// walk visits ring points clockwise from h and collects the first n distinct
// candidate nodes.
func (r *Ring) walk(h uint64, c *Candidates, n int, dst []int32) []int32 {
	start := r.successor(h)
	base := len(dst)
	var seen []uint64 // allocated only when n is large enough to need it
	if n > 8 {
		seen = make([]uint64, (len(r.names)+63)/64)
	}
	for i := range len(r.hashes) {
		id := r.owners[(start+i)%len(r.hashes)]
		if !c.has(id) {
			continue
		}
		if seen != nil {
			if seen[id/64]&(1<<(id%64)) != 0 {
				continue
			}
			seen[id/64] |= 1 << (id % 64)
		} else if slices.Contains(dst[base:], id) {
			continue
		}
		dst = append(dst, id)
		if len(dst)-base == n {
			break
		}
	}
	return dst
}

// search finds, for each candidate, the clockwise distance from h to its
// nearest point, and returns the n candidates with the smallest distances.
// Unsigned subtraction wraps around the circle. Ties (equal points) break by
// id, matching the ring's (hash, id) order, so search and walk agree.
func (r *Ring) search(h uint64, c *Candidates, n int, dst []int32) []int32 {
	type cand struct {
		dist uint64
		id   int32
	}
	less := func(a, b cand) int { return cmp.Or(cmp.Compare(a.dist, b.dist), cmp.Compare(a.id, b.id)) }
	best := make([]cand, 0, n+1) // kept sorted; n is small on this path
	for _, id := range c.ids {
		own := r.byNode[int(id)*r.v : int(id+1)*r.v]
		j, _ := slices.BinarySearch(own, h)
		if j == len(own) {
			j = 0
		}
		x := cand{own[j] - h, id}
		if len(best) == n && less(x, best[n-1]) >= 0 {
			continue
		}
		at, _ := slices.BinarySearchFunc(best, x, less)
		best = slices.Insert(best, at, x)
		if len(best) > n {
			best = best[:n]
		}
	}
	for _, b := range best {
		dst = append(dst, b.id)
	}
	return dst
}
