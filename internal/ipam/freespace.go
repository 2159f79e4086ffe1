package ipam

import "net/netip"

// rangeState finds the lowest free address of one range without walking the
// range: everything below the cursor next has been handed out at least once,
// and the free addresses among them sit in a min-heap; everything from next up
// is free except addresses claimed out of order (restored or requested
// explicitly), which the cursor steps over once. Each address is stepped over
// or popped at most once per handing out, so finding the lowest free address
// costs O(log n) amortised, whatever the size of the range.
type rangeState struct {
	Range
	pool *poolState
	next netip.Addr // lowest address the cursor has not passed
	done bool       // the cursor has passed Last
	free addrHeap   // released addresses below next, possibly stale
}

// below reports whether the cursor has passed a.
func (r *rangeState) below(a netip.Addr) bool { return r.done || a.Less(r.next) }

func (r *rangeState) advance() {
	if r.next == r.Last {
		r.done = true
		return
	}
	r.next = r.next.Next()
	if r.next.Is4In6() {
		r.skipMapped()
	}
}

// Addresses in ::ffff:0:0/96 are never handed out: every input address is
// normalised with Unmap, so such an address would turn into an IPv4 one the
// moment it was read back. Only very wide IPv6 ranges (::/80 and up)
// contain the block, and the cursor jumps over it in one step.
var (
	mappedFirst = netip.MustParseAddr("::ffff:0.0.0.0")
	mappedLast  = netip.MustParseAddr("::ffff:255.255.255.255")
	mapped      = Range{First: mappedFirst, Last: mappedLast}
)

func (r *rangeState) skipMapped() {
	if !mappedLast.Less(r.Last) {
		r.done = true
		return
	}
	r.next = mappedLast.Next()
}

// peek returns the lowest free address without taking it. Entries that were
// claimed since they were queued are dropped here (lazy deletion), so
// claiming an address never has to search the heap.
func (r *rangeState) peek(slots map[netip.Addr]*slot) (netip.Addr, bool) {
	for len(r.free) > 0 {
		top := r.free[0]
		s := slots[top]
		if len(s.holders) == 0 {
			return top, true
		}
		r.free.pop()
		s.queued = false
	}
	for !r.done {
		if slots[r.next] == nil && !(r.pool.AvoidBuggyIPs && buggy(r.next)) {
			return r.next, true
		}
		r.advance()
	}
	return netip.Addr{}, false
}

// take removes a, which peek has just returned, from the free space.
func (r *rangeState) take(a netip.Addr, slots map[netip.Addr]*slot) {
	if len(r.free) > 0 && r.free[0] == a {
		r.free.pop()
		slots[a].queued = false
		return
	}
	r.advance()
}

// addrHeap is a binary min-heap of addresses, written out rather than built
// on container/heap to avoid boxing every element in an interface.
type addrHeap []netip.Addr

func (h *addrHeap) push(a netip.Addr) {
	*h = append(*h, a)
	s := *h
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !s[i].Less(s[p]) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h *addrHeap) pop() netip.Addr {
	s := *h
	top := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s = s[:n]
	i := 0
	for {
		l, m := 2*i+1, i
		if l < n && s[l].Less(s[m]) {
			m = l
		}
		if r := l + 1; r < n && s[r].Less(s[m]) {
			m = r
		}
		if m == i {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return top
}
