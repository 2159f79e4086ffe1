package election

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
)

// bigRing is the 5,000-node ring of the spread and movement tests, built
// once.
var bigRing = NewRing(nodes(5000))

// loads counts the addresses each candidate owns, zero included.
func loads(r *Ring, addrs []netip.Addr, c *Candidates) map[string]int {
	out := make(map[string]int, c.Len())
	for _, n := range c.Names() {
		out[n] = 0
	}
	for _, o := range assignAll(r, addrs, c) {
		out[o]++
	}
	return out
}

// extremes returns the smallest and largest load as a share of even.
func extremes(load map[string]int, addrs int) (lo, hi float64) {
	mean := float64(addrs) / float64(len(load))
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, l := range load {
		lo, hi = min(lo, float64(l)/mean), max(hi, float64(l)/mean)
	}
	return lo, hi
}

// TestSpreadAnyCandidates picks candidate sets at random from a 5,000-node
// ring and holds every candidate within ±20% of an even share.
//
// The number of addresses is 1,000 up to 5 candidates and 1,000 per
// candidate above: with k candidates a node's load is binomial, so even a
// perfect hash leaves a relative standard deviation of sqrt((k-1)/A) over A
// addresses. At A = 1,000 that is 9.5% for 10 candidates (±20% is 2.1σ, so
// some set of ten would miss) and 22% for 50 (a mean of 20 addresses): no
// function of the address can do better, so those sizes get 1,000 addresses
// a candidate, σ ≈ 3%.
func TestSpreadAnyCandidates(t *testing.T) {
	tests := map[string]struct {
		k, sets int
	}{
		"2 candidates":  {2, 20},
		"3 candidates":  {3, 20},
		"5 candidates":  {5, 20},
		"10 candidates": {10, 10},
		"50 candidates": {50, 4},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(tc.k), 10))
			n := 1000
			if tc.k > 5 {
				n = 1000 * tc.k
			}
			lo, hi := math.Inf(1), math.Inf(-1)
			for s := range tc.sets {
				set := bigRing.Candidates(shuffled(rng, bigRing.names)[:tc.k])
				var addrs []netip.Addr
				if s%2 == 0 {
					addrs = seqAddrs(fmt.Sprintf("10.%d.0.0", s), n)
				} else {
					addrs = randAddrs(rng, n)
				}
				l, h := extremes(loads(bigRing, addrs, set), n)
				lo, hi = min(lo, l), max(hi, h)
				if l < 0.8 || h > 1.2 {
					t.Errorf("set %d %v: shares %.2f to %.2f of even, want 0.80 to 1.20", s, set.Names(), l, h)
				}
			}
			t.Logf("%d candidates, %d sets, %d addresses: min %.3f, max %.3f of even", tc.k, tc.sets, n, lo, hi)
		})
	}
}

// TestSpreadAllNodes gives 200,000 addresses to all 5,000 nodes, a mean of
// 40. A perfect hash gives Poisson loads (σ = 6.3, 16%), so the smallest and
// largest of 5,000 loads lie near ±3.7σ and a ±20% bound cannot hold. The
// test bounds what the hash adds instead: the loads' standard deviation
// must stay within 1.15 times the binomial one (protocol 1, whose 16 points
// a node give each node an arc share with 25% deviation, is at 1.9), and
// every load within ±5σ.
func TestSpreadAllNodes(t *testing.T) {
	const n = 200_000
	addrs := append(seqAddrs("10.0.0.0", n/2), randAddrs(rand.New(rand.NewPCG(11, 11)), n/2)...)
	load := loads(bigRing, addrs, bigRing.All())
	k := float64(len(load))
	mean := n / k
	sigma := math.Sqrt(mean * (1 - 1/k))
	var ss float64
	for _, l := range load {
		ss += (float64(l) - mean) * (float64(l) - mean)
	}
	sd := math.Sqrt(ss / k)
	lo, hi := extremes(load, n)
	t.Logf("mean %.0f, sd %.2f (binomial %.2f, ratio %.2f), min %.3f, max %.3f of even", mean, sd, sigma, sd/sigma, lo, hi)
	if sd > 1.15*sigma {
		t.Errorf("load standard deviation %.2f, want at most 1.15 × %.2f", sd, sigma)
	}
	if bound := 5 * sigma / mean; lo < 1-bound || hi > 1+bound {
		t.Errorf("shares %.2f to %.2f of even, want within ±%.0f%%", lo, hi, bound*100)
	}
}

// TestMinimalMovementLarge removes one candidate from small and large sets
// on the 5,000-node ring: only its addresses may move, each to the node
// Ranked named second.
func TestMinimalMovementLarge(t *testing.T) {
	addrs := randAddrs(rand.New(rand.NewPCG(12, 12)), 20000)
	for _, k := range []int{2, 3, 5, 10, 50, 500, 2500, 5000} {
		t.Run(fmt.Sprint(k, " candidates"), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(k), 13))
			live := shuffled(rng, bigRing.names)[:k]
			c := bigRing.Candidates(live)
			gone := live[rng.IntN(k)]
			after := bigRing.Candidates(slices.DeleteFunc(slices.Clone(live), func(n string) bool { return n == gone }))
			moved := 0
			for _, a := range addrs {
				ranked := bigRing.Ranked(a, c, 2)
				now, _ := bigRing.Owner(a, after)
				switch {
				case ranked[0] != gone && now != ranked[0]:
					t.Fatalf("%s moved %s → %s when %s left", a, ranked[0], now, gone)
				case ranked[0] == gone && now != ranked[1]:
					t.Fatalf("%s: %s left, new owner %s, Ranked said %s", a, gone, now, ranked[1])
				case ranked[0] == gone:
					moved++
				}
			}
			if k <= 50 && moved == 0 {
				t.Errorf("%s left %d candidates and owned nothing", gone, k)
			}
		})
	}
}

// refRank is protocol 2 by its definition: every candidate sorted by
// (has a point in the address's cell, score, name).
func refRank(r *Ring, h uint64, c *Candidates, n int) []int32 {
	t := cellOf(h)
	cell := r.cellIDs[r.cellStart[t]:r.cellStart[t+1]]
	all := make([]scored, 0, len(c.ids))
	for _, id := range c.ids {
		all = append(all, scored{score(r.seeds[id], h), id})
	}
	slices.SortFunc(all, func(a, b scored) int {
		ina, inb := slices.Contains(cell, a.id), slices.Contains(cell, b.id)
		if ina != inb {
			if ina {
				return -1
			}
			return 1
		}
		if a.before(b) {
			return -1
		}
		return 1
	})
	var out []int32
	for _, s := range all[:min(n, len(all))] {
		out = append(out, s.id)
	}
	return out
}

// TestCellsMatchDefinition checks rankCells' shortcuts (owner's early stop,
// the merge that skips the cell's nodes) against refRank, for sets from two
// nodes to all and n from 1 to 12.
func TestCellsMatchDefinition(t *testing.T) {
	for _, seed := range seeds {
		rng := rand.New(rand.NewPCG(seed, 14))
		r := NewRing(nodes(1 + rng.IntN(3000)))
		for range 20 {
			c := r.Candidates(subset(rng, r.names, []float64{0.001, 0.01, 0.1, 0.5, 1}[rng.IntN(5)]))
			if c.Len() == 0 {
				continue
			}
			n := 1 + rng.IntN(12)
			for _, a := range randAddrs(rng, 50) {
				want := refRank(r, addrPoint(a), c, n)
				got := r.rank(a, c, n, nil)
				if !slices.Equal(got, want) {
					t.Fatalf("seed %d, %s, n=%d of %d candidates on %d nodes: rank %v, definition %v", seed, a, n, c.Len(), r.Len(), got, want)
				}
				if o, _ := r.Owner(a, c); o != r.names[want[0]] {
					t.Fatalf("seed %d, %s: Owner %s, definition %s", seed, a, o, r.names[want[0]])
				}
			}
		}
	}
}
