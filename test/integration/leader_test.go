package integration

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"

	"github.com/farol-lb/farol/internal/app/controller"
	"github.com/farol-lb/farol/test/gen"
)

// TestTwoReplicas: of two controllers with leader election only the leader
// writes, and when the leader stops in the middle of a burst the other
// takes over: every Service gets an address, none twice, and none changes.
//
// Both replicas would compute the same addresses, so equal addresses alone
// cannot tell whether the standby kept still. Each replica talks to the API
// server with its own user agent, which the server records as the field
// manager of every write: the status of a Service names who wrote it.
func TestTwoReplicas(t *testing.T) {
	e := newEnv(t)
	e.createPool(gen.Pool("replicas", []string{"10.63.0.0/24"}))
	started := map[string]*logLines{}
	replica := func(name string) func(*controller.Options) {
		started[name] = &logLines{}
		return func(o *controller.Options) {
			o.LeaderElection = true
			o.LeaderElectionNamespace = "farol-system"
			o.LeaderElectionID = "farol-" + e.ns
			o.Config = rest.CopyConfig(e.cl.Config)
			o.Config.UserAgent = name
			o.Logger = started[name].logger()
		}
	}
	stopA, _ := e.startController(replica("replica-a"))
	e.createService(gen.Service("first"))
	seen := map[string]string{"first": e.waitAddresses("first", 1)[0]} // A leads
	e.startController(replica("replica-b"))
	e.eventually("replica-b started", 10*time.Second, func() string {
		if len(started["replica-b"].find("starting", nil)) == 0 {
			return "no start line yet"
		}
		return ""
	})

	record := func(names []string) {
		t.Helper()
		for _, name := range names {
			seen[name] = e.waitAddresses(name, 1)[0]
		}
		holder := map[string]string{}
		for name, ip := range seen {
			if other, dup := holder[ip]; dup {
				t.Fatalf("%s and %s both got %s", other, name, ip)
			}
			holder[ip] = name
		}
	}
	var steady []string
	for i := range 40 {
		steady = append(steady, fmt.Sprintf("a%d", i))
		e.createService(gen.Service(steady[i]))
	}
	record(steady)
	steady = append(steady, "first")
	for _, name := range steady {
		if w := statusWriters(e.service(name)); !slices.Equal(w, []string{"replica-a"}) {
			t.Fatalf("status of %s written by %v while replica-a leads, want replica-a alone", name, w)
		}
	}

	// Stop the leader while Services keep coming.
	var burst []string
	for i := range 40 {
		burst = append(burst, fmt.Sprintf("b%d", i))
	}
	var created atomic.Int32
	var wg sync.WaitGroup
	wg.Go(func() {
		for _, name := range burst {
			e.createService(gen.Service(name))
			created.Add(1)
			time.Sleep(20 * time.Millisecond) // spread the burst over the hand-over
		}
	})
	e.eventually("a quarter of the burst created", 20*time.Second, func() string {
		if created.Load() < 10 {
			return fmt.Sprintf("%d created", created.Load())
		}
		return ""
	})
	stopA()
	wg.Wait()
	record(burst)
	for _, name := range steady {
		if got := addresses(e.service(name)); len(got) != 1 || got[0] != seen[name] {
			t.Fatalf("%s changed from %s to %v after the leader change", name, seen[name], got)
		}
	}
	byB := 0
	for _, name := range burst {
		if slices.Contains(statusWriters(e.service(name)), "replica-b") {
			byB++
		}
	}
	if byB == 0 {
		t.Fatal("replica-b wrote none of the burst: no hand-over happened")
	}
}

// statusWriters lists the field managers of a Service's status subresource.
func statusWriters(s *corev1.Service) []string {
	var out []string
	for _, m := range s.ManagedFields {
		if m.Subresource == "status" {
			out = append(out, m.Manager)
		}
	}
	slices.Sort(out)
	return out
}
