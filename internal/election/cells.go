package election

import "slices"

// Protocol 2: rendezvous hashing with a cell index. See "Design" in doc.go.

// cellBits and cellPoints fix protocol 2's layout: the circle is cut into
// 2^cellBits equal cells and every node drops cellPoints points on it. Both
// are constants, not functions of the ring size, so a node's cells depend on
// its name only and rebuilding the ring with a node more or less moves only
// that node's addresses, at every size.
const (
	cellBits   = 15
	cellPoints = 64
)

// cellOf returns the cell of a point on the circle.
func cellOf(h uint64) int { return int(h >> (64 - cellBits)) }

// buildCells fills the seeds and the cell index: cellStart[t] to
// cellStart[t+1] in cellIDs are, sorted, the ids of the nodes with at least
// one point in cell t. Two passes of counting sort; a node's repeated cell
// is counted once because its entries are written consecutively.
func (r *Ring) buildCells() {
	r.seeds = make([]uint64, len(r.names))
	r.cellStart = make([]int32, 1<<cellBits+1)
	last := make([]int32, 1<<cellBits) // the last id written to each cell
	visit := func(fn func(t int, id int32)) {
		for i := range last {
			last[i] = -1
		}
		for id, name := range r.names {
			seed := nameSeed(name)
			for j := range cellPoints {
				t := cellOf(nodePoint(seed, j))
				if last[t] != int32(id) {
					last[t] = int32(id)
					fn(t, int32(id))
				}
			}
		}
	}
	visit(func(t int, _ int32) { r.cellStart[t+1]++ })
	for t := 1; t < len(r.cellStart); t++ {
		r.cellStart[t] += r.cellStart[t-1]
	}
	r.cellIDs = make([]int32, r.cellStart[len(r.cellStart)-1])
	next := slices.Clone(r.cellStart[:len(r.cellStart)-1])
	visit(func(t int, id int32) {
		r.cellIDs[next[t]] = id
		next[t]++
	})
	for id, name := range r.names {
		r.seeds[id] = nodeKey(nameSeed(name))
	}
}

// scored is a candidate with its rendezvous score for one address.
type scored struct {
	score uint64
	id    int32
}

// before reports whether a ranks before b for one address: higher score
// first, then lower id, which is name order, so the tie-break is the same on
// every ring.
func (a scored) before(b scored) bool {
	return a.score > b.score || a.score == b.score && a.id < b.id
}

// rankCells appends to dst the first n candidates for the address at h in
// protocol 2's order: candidates with a point in h's cell (level 1) before
// the others (level 0), each level by rendezvous score. n ≥ 1 and c holds at
// least n nodes.
func (r *Ring) rankCells(h uint64, c *Candidates, n int, dst []int32) []int32 {
	t := cellOf(h)
	cell := r.cellIDs[r.cellStart[t]:r.cellStart[t+1]]
	if n == 1 {
		return append(dst, r.owner(h, c, cell))
	}
	var buf [16]scored
	top := buf[:0]
	for _, id := range cell {
		if c.has(id) {
			top = insertTop(top, scored{score(r.seeds[id], h), id}, n)
		}
	}
	for _, s := range top {
		dst = append(dst, s.id)
	}
	if len(top) == n { // the cell holds n candidates or more
		return dst
	}
	// Level 0: the other candidates. Both id lists are sorted, so a merge
	// skips the cell's nodes.
	need := n - len(top)
	rest := make([]scored, 0, need+1)
	j := 0
	for _, id := range c.ids {
		for j < len(cell) && cell[j] < id {
			j++
		}
		if j < len(cell) && cell[j] == id {
			continue
		}
		rest = insertTop(rest, scored{score(r.seeds[id], h), id}, need)
	}
	for _, s := range rest {
		dst = append(dst, s.id)
	}
	return dst
}

// owner is rankCells for n = 1, without allocation: the best candidate of
// the cell if the cell holds one, else the best of all candidates, none of
// which is then in the cell. Ids ascend in both loops, so keeping the first
// of equal scores breaks ties by name.
func (r *Ring) owner(h uint64, c *Candidates, cell []int32) int32 {
	best, bestScore := int32(-1), uint64(0)
	if c.bits != nil {
		// Scoring every node of the cell and masking out non-candidates
		// (score 0) avoids a branch that a half-full set mispredicts half
		// the time.
		for _, id := range cell {
			in := c.bits[uint32(id)>>6] >> (uint32(id) & 63) & 1
			if s := score(r.seeds[id], h) & -in; s > bestScore {
				best, bestScore = id, s
			}
		}
	} else {
		// A small set has no bitset: merge its sorted ids with the cell's.
		j := 0
		for _, id := range cell {
			for j < len(c.ids) && c.ids[j] < id {
				j++
			}
			if j == len(c.ids) {
				break
			}
			if c.ids[j] == id {
				if s := score(r.seeds[id], h); best < 0 || s > bestScore {
					best, bestScore = id, s
				}
			}
		}
	}
	if best >= 0 {
		return best
	}
	for _, id := range c.ids {
		if s := score(r.seeds[id], h); best < 0 || s > bestScore {
			best, bestScore = id, s
		}
	}
	return best
}

// insertTop inserts s into top, kept in rank order and at most n long. It
// shifts linearly: n is the length of a succession list, two or three.
func insertTop(top []scored, s scored, n int) []scored {
	if len(top) == n && !s.before(top[n-1]) {
		return top
	}
	i := len(top)
	if i < n {
		top = append(top, s)
	} else {
		i-- // s replaces the last
	}
	for ; i > 0 && s.before(top[i-1]); i-- {
		top[i] = top[i-1]
	}
	top[i] = s
	return top
}
