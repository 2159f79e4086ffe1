package election

import (
	"fmt"
	"math/bits"
	"slices"
)

// Protocol identifies the function from (address, candidates) to owner.
// Speakers that use different protocols disagree on owners, so a speaker
// must use the newest protocol every live speaker supports (see
// "Compatibility" in the package documentation).
type Protocol int

const (
	// ProtocolRing is the consistent-hash ring of Farol up to this change:
	// 16 or more points a node, first candidate clockwise.
	ProtocolRing Protocol = 1
	// ProtocolCells is rendezvous hashing over the candidates, with the
	// nodes that have a point in the address's cell ranked first.
	ProtocolCells Protocol = 2

	// LatestProtocol is what NewRing builds.
	LatestProtocol = ProtocolCells
)

// Ring decides owners for a set of nodes under one [Protocol]. It is
// immutable and safe for concurrent use; build a new one when the set of
// speaker nodes changes.
type Ring struct {
	names []string         // sorted and unique; a node's index is its id
	ids   map[string]int32 // name → id
	proto Protocol
	v     int // points per node

	// Protocol 2: each node's rendezvous key, and the cell index built by
	// buildCells.
	seeds     []uint64
	cellStart []int32
	cellIDs   []int32

	// Protocol 1 only, from here to byNode.

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

// NewRing builds a ring of the latest protocol from node names. Duplicates
// and empty names are dropped and order does not matter. A ring without
// nodes is valid: every lookup on it reports that no node is eligible.
func NewRing(nodes []string) *Ring { return NewRingFor(LatestProtocol, nodes) }

// NewRingFor is NewRing for a given protocol, for a speaker that must keep
// to an older one until every live speaker supports the latest. It panics
// on an unknown protocol.
func NewRingFor(p Protocol, nodes []string) *Ring {
	names := make([]string, 0, len(nodes))
	for _, n := range nodes {
		if n != "" {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)

	r := &Ring{names: names, ids: make(map[string]int32, len(names)), proto: p}
	for id, name := range names {
		r.ids[name] = int32(id)
	}
	switch p {
	case ProtocolRing:
		r.buildRing()
	case ProtocolCells:
		r.v = cellPoints
		r.buildCells()
	default:
		panic(fmt.Sprintf("election: unknown protocol %d", p))
	}
	r.every = newEvery(r)
	return r
}

// buildRing lays out protocol 1's circle.
func (r *Ring) buildRing() {
	names := r.names
	v := pointsPerNode(len(names))
	r.v = v
	r.byNode = make([]uint64, len(names)*v)
	points := make([]point, 0, len(names)*v)
	for id, name := range names {
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

// Protocol returns the protocol the ring decides by.
func (r *Ring) Protocol() Protocol { return r.proto }
