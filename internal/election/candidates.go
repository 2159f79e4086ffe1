package election

import "slices"

// Candidates is the set of nodes allowed to announce an address. Build it
// once per distinct set — all addresses of one advertisement, or of one
// Service with externalTrafficPolicy Local — and share it: building costs
// O(k log k) for k names, using it costs a bit test or a short search.
//
// A Candidates belongs to the ring that built it; using it with another
// ring is a programming error and panics. A nil *Candidates means every
// node on the ring.
type Candidates struct {
	ring *Ring
	ids  []int32 // sorted node ids

	// bits is the same set as a bitset over all ring nodes, for the ring
	// walk's membership test. Small sets go without: their bitset would cost
	// more (N/8 bytes, 625 for 5,000 nodes) than searching ids, and a
	// Service with externalTrafficPolicy Local has a set of its own.
	bits []uint64
}

// bitsetMin is the size from which a set carries a bitset.
const bitsetMin = 64

// Candidates returns the subset of the ring's nodes named in names. Names
// that are not on the ring are ignored: a node without points cannot own an
// address. Duplicates and order do not matter.
func (r *Ring) Candidates(names []string) *Candidates {
	c := &Candidates{ring: r, ids: make([]int32, 0, len(names))}
	for _, n := range names {
		if id, ok := r.ids[n]; ok {
			c.ids = append(c.ids, id)
		}
	}
	slices.Sort(c.ids)
	c.ids = slices.Clip(slices.Compact(c.ids))
	if len(c.ids) >= bitsetMin {
		c.bits = make([]uint64, (len(r.names)+63)/64)
		for _, id := range c.ids {
			c.bits[id/64] |= 1 << (id % 64)
		}
	}
	return c
}

// All returns the set of every node on the ring. It is built with the ring
// and shared, so calling All is free.
func (r *Ring) All() *Candidates { return r.every }

func newEvery(r *Ring) *Candidates {
	c := &Candidates{ring: r, bits: make([]uint64, (len(r.names)+63)/64), ids: make([]int32, len(r.names))}
	for i := range c.ids {
		c.ids[i] = int32(i)
		c.bits[i/64] |= 1 << (i % 64)
	}
	return c
}

// Len returns the number of candidates.
func (c *Candidates) Len() int { return len(c.ids) }

// Names returns the candidates' names, sorted.
func (c *Candidates) Names() []string {
	out := make([]string, len(c.ids))
	for i, id := range c.ids {
		out[i] = c.ring.names[id]
	}
	return out
}

func (c *Candidates) has(id int32) bool {
	if c.bits == nil {
		_, ok := slices.BinarySearch(c.ids, id)
		return ok
	}
	return c.bits[id/64]&(1<<(id%64)) != 0
}
