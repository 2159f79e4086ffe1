package speaker

import (
	"fmt"
	"hash/maphash"
	"net/netip"
	"testing"

	"github.com/farol-lb/farol/internal/decision"
)

// BenchmarkRedecideBGP is what worlds.redecide does in memory after a
// change of the world with every Service advertised over BGP with Cluster
// traffic: decide each Service on a new world and fingerprint the answer.
// At 5,000 nodes each announcement lists every node.
func BenchmarkRedecideBGP(b *testing.B) {
	for _, size := range []struct{ nodes, services int }{{5000, 2000}, {5000, 20000}} {
		in, svcs := bgpWorld(size.nodes, size.services)
		seed := maphash.MakeSeed()
		b.Run(fmt.Sprintf("nodes=%d/services=%d", size.nodes, size.services), func(b *testing.B) {
			for b.Loop() {
				w := decision.Build(in)
				for _, s := range svcs {
					fingerprint(seed, in.Live[0], w.Decide(s))
				}
			}
		})
	}
}

// bgpWorld is a world of n live nodes and one BGPAdvertisement for every
// pool, and services Cluster-traffic Services with one ready node each.
func bgpWorld(n, services int) (decision.Inputs, []decision.Service) {
	in := decision.Inputs{BGP: []decision.BGPAdvertisement{{Name: "tor", AggregationV4: 32, AggregationV6: 128}}}
	for i := range n {
		name := fmt.Sprintf("node-%05d", i)
		in.Nodes = append(in.Nodes, decision.Node{Name: name})
		in.Live = append(in.Live, name)
	}
	svcs := make([]decision.Service, services)
	for i := range svcs {
		svcs[i] = decision.Service{Key: fmt.Sprintf("ns/s%d", i), Pool: "p",
			Addrs:      []netip.Addr{netip.AddrFrom4([4]byte{10, 128, byte(i >> 8), byte(i)})},
			ReadyNodes: []string{in.Live[i%n]}}
	}
	return in, svcs
}
