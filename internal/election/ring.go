package election

import (
	"math/bits"
	"slices"
)

// Ring places nodes on a hash circle. It is immutable and safe for
// concurrent use; build a new one when the set of speaker nodes changes.
type Ring struct {
	names []string         // sorted and unique; a node's index is its id
	ids   map[string]int32 // name → id
	v     int              // points per node

	// The circle, sorted by (hash, id): hashes and owners are kept apart so
	// that the binary search touches only hashes.
	hashes []uint64
	owners []int32

	// index[t] is the first point whose top indexBits bits are ≥ t, so a
	// lookup binary-searches only the two or three points of one bucket
	// instead of the whole ring: the full search takes ~17 cache misses on
	// a 5,000-node ring.
	index     []int32
	indexBits uint

	// byNode holds each node's own v points, sorted, at [id·v, (id+1)·v):
	// Owner searches them directly when few nodes are candidates.
	byNode []uint64

	every *Candidates // all nodes, for All and a nil *Candidates
}

// minPoints is the least number of points on a ring with fewer than 256
// nodes, enough for an even spread over a handful of nodes; minPerNode
// bounds the ring of a large cluster to 16 points a node, enough for an even
// spread there and cheap to build.
const (
	minPoints  = 4096
	minPerNode = 16
)

// pointsPerNode returns v for a ring of n nodes: minPoints divided by the
// largest power of two ≤ n, at least minPerNode. Rounding to a power of two
// keeps v constant while n varies within [2^k, 2^(k+1)), so most membership
// changes leave the other nodes' points where they were.
func pointsPerNode(n int) int {
	if n < 1 {
		return 0
	}
	return max(minPerNode, minPoints>>(bits.Len(uint(n))-1))
}

// NewRing builds a ring from node names. Duplicates and empty names are
// dropped and order does not matter. A ring without nodes is valid: every
// lookup on it reports that no node is eligible.
func NewRing(nodes []string) *Ring {
	names := make([]string, 0, len(nodes))
	for _, n := range nodes {
		if n != "" {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)

	v := pointsPerNode(len(names))
	r := &Ring{
		names:  names,
		ids:    make(map[string]int32, len(names)),
		v:      v,
		byNode: make([]uint64, len(names)*v),
	}
	points := make([]point, 0, len(names)*v)
	for id, name := range names {
		r.ids[name] = int32(id)
		seed := nameSeed(name)
		own := r.byNode[id*v : (id+1)*v]
		for j := range own {
			own[j] = nodePoint(seed, j)
			points = append(points, point{own[j], int32(id)})
		}
		slices.Sort(own)
	}
	if len(points) > 0 {
		sortPoints(points)
	}
	r.hashes = make([]uint64, len(points))
	r.owners = make([]int32, len(points))
	for i, p := range points {
		r.hashes[i], r.owners[i] = p.hash, p.id
	}
	r.buildIndex()
	r.every = newEvery(r)
	return r
}

// buildIndex fills index with about one bucket per two points.
func (r *Ring) buildIndex() {
	r.indexBits = uint(max(1, bits.Len(uint(len(r.hashes)))-2))
	r.index = make([]int32, 1<<r.indexBits+1)
	i := 0
	for t := range r.index {
		for i < len(r.hashes) && r.hashes[i]>>(64-r.indexBits) < uint64(t) {
			i++
		}
		r.index[t] = int32(i)
	}
}

// successor returns the index of the first point clockwise from h, that is
// the first with hash ≥ h, wrapping to 0 past the last.
func (r *Ring) successor(h uint64) int {
	t := h >> (64 - r.indexBits)
	lo, hi := int(r.index[t]), int(r.index[t+1])
	i, _ := slices.BinarySearch(r.hashes[lo:hi], h)
	if lo+i == len(r.hashes) {
		return 0
	}
	return lo + i
}

// Len returns the number of nodes on the ring.
func (r *Ring) Len() int { return len(r.names) }

// Nodes returns the ring's node names, sorted.
func (r *Ring) Nodes() []string { return slices.Clone(r.names) }

// PointsPerNode returns how many points each node has on this ring.
func (r *Ring) PointsPerNode() int { return r.v }
