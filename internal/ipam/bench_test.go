package ipam

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
)

// The benchmarks count one op per assignment (or restore, or release plus
// assignment), so ns/op and allocs/op are per Service; ms/20k is the time
// for a full controller start with 20,000 Services.

const fleet = 20_000

func services(n, namespaces int, opts ...func(*Service)) []Service {
	out := make([]Service, n)
	for i := range out {
		ns := fmt.Sprintf("ns-%02d", i%namespaces)
		out[i] = svc(fmt.Sprintf("%s/svc-%05d", ns, i), opts...)
		out[i].Namespace = ns
		out[i].NamespaceLabels = map[string]string{"team": fmt.Sprintf("t%d", i%namespaces%10)}
	}
	return out
}

// benchAssign assigns svcs[i % fleet] for i < b.N, starting over with a
// fresh allocator (timer stopped) after every fleet.
func benchAssign(b *testing.B, pools []Pool, svcs []Service, req Request) {
	b.Helper()
	var a *Allocator
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%fleet == 0 {
			b.StopTimer()
			a = New()
			if err := a.SetPools(pools); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		if _, err := a.Assign(svcs[i%fleet], req); err != nil {
			b.Fatal(err)
		}
	}
	reportFleet(b)
}

func reportFleet(b *testing.B) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)*fleet/1e6, "ms/20k")
}

func BenchmarkAssign20kOneSlash16(b *testing.B) {
	pools := []Pool{pool("big", "10.0.0.0/16")}
	benchAssign(b, pools, services(fleet, 50), v4())
}

func BenchmarkAssign20kFiftyPools(b *testing.B) {
	pools := make([]Pool, 50)
	for i := range pools {
		pools[i] = pool(fmt.Sprintf("pool-%02d", i), fmt.Sprintf("10.%d.0.0/22", i),
			namespaces(fmt.Sprintf("ns-%02d", i)),
			nsSelector(fmt.Sprintf("team=t%d", i%10)),
			svcSelector("tier=edge"),
			prio(i%5))
	}
	benchAssign(b, pools, services(fleet, 50, labels("tier=edge")), v4())
}

func BenchmarkAssignIPv6Slash64(b *testing.B) {
	pools := []Pool{pool("v6", "2001:db8:0:1::/64")}
	benchAssign(b, pools, services(fleet, 50), v6())
}

func BenchmarkAssignDualStack(b *testing.B) {
	pools := []Pool{pool("dual", "10.0.0.0/16,2001:db8:0:1::/64")}
	benchAssign(b, pools, services(fleet, 50), require4())
}

func BenchmarkRestore20k(b *testing.B) {
	pools := []Pool{pool("big", "10.0.0.0/16")}
	svcs := services(fleet, 50)
	addrs := make([][]netip.Addr, fleet)
	for i, x := 0, addr("10.0.0.0"); i < fleet; i, x = i+1, x.Next() {
		addrs[i] = []netip.Addr{x}
	}
	var a *Allocator
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%fleet == 0 {
			b.StopTimer()
			a = New()
			if err := a.SetPools(pools); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		if _, err := a.Restore(svcs[i%fleet], addrs[i%fleet]); err != nil {
			b.Fatal(err)
		}
	}
	reportFleet(b)
}

// BenchmarkChurn releases a random Service of a full fleet and assigns one
// released earlier, so a few hundred addresses sit in the free heap.
func BenchmarkChurn(b *testing.B) {
	svcs := services(fleet, 50)
	a := New()
	if err := a.SetPools([]Pool{pool("big", "10.0.0.0/16")}); err != nil {
		b.Fatal(err)
	}
	for _, s := range svcs {
		if _, err := a.Assign(s, v4()); err != nil {
			b.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	held := rng.Perm(fleet)
	pending := held[:256:256]
	held = held[256:]
	for _, k := range pending {
		a.Release(svcs[k].Key)
	}
	picks := make([]int, 1<<16)
	for i := range picks {
		picks[i] = rng.IntN(len(held))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		j := picks[i%len(picks)]
		out := held[j]
		a.Release(svcs[out].Key)
		pending = append(pending, out)
		in := pending[0]
		pending = pending[1:]
		if _, err := a.Assign(svcs[in], v4()); err != nil {
			b.Fatal(err)
		}
		held[j] = in
	}
}

// BenchmarkAssignShared puts ten Services with distinct ports on each
// address through one sharing key per namespace.
func BenchmarkAssignShared(b *testing.B) {
	svcs := services(fleet, 50)
	for i := range svcs {
		svcs[i].SharingKey = svcs[i].Namespace
		svcs[i].Ports = []Port{{"TCP", int32(8000 + i/50%10)}}
	}
	benchAssign(b, []Pool{pool("big", "10.0.0.0/16")}, svcs, v4())
}
