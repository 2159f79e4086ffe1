package election

import (
	"math/rand/v2"
	"net/netip"
	"testing"
)

// BenchmarkRingBuild5kNodes is the cost of a new ring after the speaker set
// of a 5,000-node cluster changes.
func BenchmarkRingBuild5kNodes(b *testing.B) {
	names := nodes(5000)
	b.ReportAllocs()
	for b.Loop() {
		NewRing(names)
	}
}

// BenchmarkRecompute20kAddrs5kNodes is a whole announcement table, ring
// included, for 20,000 addresses over 5,000 nodes:
//   - all: every node is a candidate (externalTrafficPolicy Cluster);
//   - half: the advertisements select half the nodes;
//   - local: every address has its own set of three nodes with endpoints
//     (externalTrafficPolicy Local), built inside the loop as the caller
//     would.
func BenchmarkRecompute20kAddrs5kNodes(b *testing.B) {
	names := nodes(5000)
	addrs := seqAddrs("10.0.0.0", 20000)
	rng := rand.New(rand.NewPCG(1, 1))
	half := subset(rng, names, 0.5)
	local := make([][]string, len(addrs))
	for i := range local {
		local[i] = []string{names[rng.IntN(5000)], names[rng.IntN(5000)], names[rng.IntN(5000)]}
	}

	b.Run("all", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r := NewRing(names)
			assignAll(r, addrs, r.All())
		}
	})
	b.Run("half", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r := NewRing(names)
			assignAll(r, addrs, r.Candidates(half))
		}
	})
	b.Run("local", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r := NewRing(names)
			in := make(map[netip.Addr]*Candidates, len(addrs))
			for i, a := range addrs {
				in[a] = r.Candidates(local[i])
			}
			r.Assign(in)
		}
	})
	b.Run("assign-only-all", func(b *testing.B) {
		r := NewRing(names)
		in := make(map[netip.Addr]*Candidates, len(addrs))
		for _, a := range addrs {
			in[a] = r.All()
		}
		b.ReportAllocs()
		for b.Loop() {
			r.Assign(in)
		}
	})
}

// BenchmarkOwner is one lookup on a 5,000-node ring; "all" is 5,000 of
// 5,000 candidates, "3" three of them.
func BenchmarkOwner(b *testing.B) {
	r := NewRing(nodes(5000))
	rng := rand.New(rand.NewPCG(2, 2))
	addrs := randAddrs(rng, 4096)
	sets := map[string]*Candidates{
		"all":  r.All(),
		"half": r.Candidates(subset(rng, r.names, 0.5)),
		"5pct": r.Candidates(subset(rng, r.names, 0.05)),
		// 512 candidates is protocol 2's worst case: about one candidate a
		// cell, so a third of the lookups score every candidate.
		"512": r.Candidates(shuffled(rng, r.names)[:512]),
		"3":   r.Candidates([]string{"worker-0001", "worker-2500", "worker-4999"}),
	}
	for name, c := range sets {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				r.Owner(addrs[i%len(addrs)], c)
				i++
			}
		})
	}
}

// BenchmarkRanked3 is the successor list a handover needs.
func BenchmarkRanked3(b *testing.B) {
	r := NewRing(nodes(5000))
	addrs := randAddrs(rand.New(rand.NewPCG(3, 3)), 4096)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r.Ranked(addrs[i%len(addrs)], r.All(), 3)
		i++
	}
}
