package decision

import (
	"fmt"
	"net/netip"
	"testing"
)

// BenchmarkDecideAll decides 20,000 Services (one in ten with Local traffic
// and three ready nodes) on a 5,000-node world: what the speaker does in
// memory after a membership change.
func BenchmarkDecideAll(b *testing.B) {
	var ns []Node
	var live []string
	for i := range 5000 {
		name := fmt.Sprintf("node-%05d", i)
		ns = append(ns, Node{Name: name, Labels: map[string]string{"farol": "yes"}})
		live = append(live, name)
	}
	ads := []Advertisement{{Name: "lab", Node: func(l map[string]string) bool { return l["farol"] == "yes" }, Interfaces: []string{"eth0"}}}
	svcs := make([]Service, 20000)
	for i := range svcs {
		svcs[i] = Service{
			Key: fmt.Sprintf("ns/s%d", i), Pool: "p",
			Addrs:        []netip.Addr{netip.AddrFrom4([4]byte{10, 128, byte(i >> 8), byte(i)})},
			ReadyNodes:   []string{live[i%5000], live[(i+1)%5000], live[(i+2)%5000]},
			LocalTraffic: i%10 == 0,
		}
	}
	b.Run("world", func(b *testing.B) {
		for b.Loop() {
			NewWorld(ns, live, ads)
		}
	})
	b.Run("decide all", func(b *testing.B) {
		for b.Loop() {
			w := NewWorld(ns, live, ads)
			for _, s := range svcs {
				w.Decide(s)
			}
		}
	})
}
