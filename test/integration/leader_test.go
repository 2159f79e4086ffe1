package integration

import (
	"fmt"
	"testing"

	"github.com/farol-lb/farol/internal/app/controller"
	"github.com/farol-lb/farol/test/gen"
)

// TestTwoReplicas: two controllers with leader election never hand out one
// address twice, and when the leader stops the other takes over without
// changing any address.
func TestTwoReplicas(t *testing.T) {
	e := newEnv(t)
	e.createPool(gen.Pool("replicas", []string{"10.63.0.0/24"}))
	elect := func(o *controller.Options) {
		o.LeaderElection = true
		o.LeaderElectionNamespace = "farol-system"
		o.LeaderElectionID = "farol-" + e.ns
	}
	stopA, _ := e.startController(elect)
	e.createService(gen.Service("first"))
	e.waitAddresses("first", 1) // A leads
	e.startController(elect)

	for i := range 40 {
		e.createService(gen.Service(fmt.Sprintf("a%d", i)))
	}
	seen := map[string]string{}
	record := func(prefix string, n int) {
		for i := range n {
			name := fmt.Sprintf("%s%d", prefix, i)
			ip := e.waitAddresses(name, 1)[0]
			if other, dup := seen[ip]; dup && other != name {
				t.Fatalf("%s and %s both got %s", other, name, ip)
			}
			seen[ip] = name
		}
	}
	record("a", 40)
	stopA()
	for i := range 40 {
		e.createService(gen.Service(fmt.Sprintf("b%d", i)))
	}
	record("b", 40)
	for ip, name := range seen {
		if got := addresses(e.service(name)); len(got) != 1 || got[0] != ip {
			t.Fatalf("%s changed from %s to %v after the leader change", name, ip, got)
		}
	}
}
