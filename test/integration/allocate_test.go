package integration

import (
	"net/netip"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/farol-lb/farol/internal/app/controller"
	"github.com/farol-lb/farol/test/gen"
)

// TestAllocateAndRelease is the seed scenario: Services wait, a pool
// appears, they get addresses in status with ipMode VIP and the pool
// annotation; a deleted Service's address goes back to the pool.
func TestAllocateAndRelease(t *testing.T) {
	e := newEnv(t)
	e.startController()
	e.createService(gen.Service("a"))
	e.createService(gen.Service("b"))
	e.expectNoAddress("a", 300*time.Millisecond)
	e.waitEvent("a", "AllocationFailed", "NoMatchingPool")

	e.createPool(gen.Pool("seed", []string{"10.20.0.0/30"}))
	a := e.waitAddresses("a", 1)
	b := e.waitAddresses("b", 1)
	if a[0] == b[0] {
		t.Fatalf("a and b both got %s", a[0])
	}
	for _, ip := range append(a, b...) {
		if !netip.MustParsePrefix("10.20.0.0/30").Contains(netip.MustParseAddr(ip)) {
			t.Fatalf("%s is outside the pool", ip)
		}
	}
	s := e.service("a")
	if m := s.Status.LoadBalancer.Ingress[0].IPMode; m == nil || *m != corev1.LoadBalancerIPModeVIP {
		t.Fatalf("ipMode = %v, want VIP", m)
	}
	if got := s.Annotations["farol.dev/allocated-from"]; got != "seed" {
		t.Fatalf("allocated-from = %q, want seed", got)
	}
	e.waitEvent("a", "Allocated", a[0], `pool "seed"`)

	// The pool has four addresses: two more Services fill it, a fifth
	// waits until one is deleted, then gets the freed address.
	e.createService(gen.Service("c"))
	e.createService(gen.Service("d"))
	e.waitAddresses("c", 1)
	e.waitAddresses("d", 1)
	e.createService(gen.Service("e"))
	e.waitEvent("e", "AllocationFailed", "PoolExhausted")
	if err := e.c.Delete(e.ctx, e.service("a")); err != nil {
		t.Fatal(err)
	}
	if got := e.waitAddresses("e", 1); got[0] != a[0] {
		t.Fatalf("e got %v, want the released %s", got, a[0])
	}
}

// TestFamilies covers single-stack IPv4 and IPv6, PreferDualStack with and
// without a dual pool, and RequireDualStack failing with a clear event.
func TestFamilies(t *testing.T) {
	e := newEnv(t)
	e.startController()
	e.createPool(gen.Pool("fam-dual", []string{"10.21.0.0/29", "fd00:21::/125"}, gen.ForNamespaces(e.ns)))

	e.createService(gen.Service("v4"))
	e.createService(gen.Service("v6", gen.IPv6Only()))
	e.createService(gen.Service("pref", gen.DualStack(corev1.IPFamilyPolicyPreferDualStack)))
	e.createService(gen.Service("req6first", gen.WithFamilies(corev1.IPFamilyPolicyRequireDualStack, corev1.IPv6Protocol, corev1.IPv4Protocol)))
	checkFamilies(t, e.waitAddresses("v4", 1), 4)
	checkFamilies(t, e.waitAddresses("v6", 1), 6)
	checkFamilies(t, e.waitAddresses("pref", 2), 4, 6)
	checkFamilies(t, e.waitAddresses("req6first", 2), 6, 4)

	// In a namespace that only a v4-only pool serves, PreferDualStack
	// settles for IPv4 and RequireDualStack fails naming the missing family.
	e2 := e.inNamespace("v4only", nil)
	e.createPool(gen.Pool("fam-v4only", []string{"10.21.1.0/29"}, gen.ForNamespaces(e2.ns)))
	e2.createService(gen.Service("pref", gen.DualStack(corev1.IPFamilyPolicyPreferDualStack)))
	checkFamilies(t, e2.waitAddresses("pref", 1), 4)
	e2.createService(gen.Service("req", gen.DualStack(corev1.IPFamilyPolicyRequireDualStack)))
	e2.waitEvent("req", "AllocationFailed", "IPv6")
}

func checkFamilies(t *testing.T, got []string, fams ...int) {
	t.Helper()
	if len(got) != len(fams) {
		t.Fatalf("got %v, want families %v", got, fams)
	}
	for i, ip := range got {
		a := netip.MustParseAddr(ip)
		if (fams[i] == 4) != a.Is4() {
			t.Fatalf("address %d is %s, want IPv%d (all: %v)", i, ip, fams[i], got)
		}
	}
}

// TestClassFiltering: Farol serves its class and, with --default-class,
// Services without a class; it never touches other classes or types.
func TestClassFiltering(t *testing.T) {
	e := newEnv(t)
	e.createPool(gen.Pool("class", []string{"10.22.0.0/28"}))
	stop, _ := e.startController(func(o *controller.Options) { o.DefaultClass = false })
	e.createService(gen.Service("ours", gen.WithClass("farol.dev/lb")))
	e.createService(gen.Service("other", gen.WithClass("example.com/other")))
	e.createService(gen.Service("none"))
	e.createService(gen.Service("clusterip", func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeClusterIP }))
	e.waitAddresses("ours", 1)
	e.expectNoAddress("none", 500*time.Millisecond)
	stop()

	e.startController() // default class on
	e.waitAddresses("none", 1)
	e.expectNoAddress("other", 500*time.Millisecond)
	e.expectNoAddress("clusterip", 10*time.Millisecond)
	if ev := e.events("other"); len(ev) != 0 {
		t.Fatalf("events on a Service of another class: %v", ev)
	}
}

// TestReleaseOnTypeChange: a Service that stops being a LoadBalancer gives
// its address back and loses it from status.
func TestReleaseOnTypeChange(t *testing.T) {
	e := newEnv(t)
	e.createPool(gen.Pool("typechange", []string{"10.23.0.0/32"}))
	e.startController()
	e.createService(gen.Service("first"))
	ip := e.waitAddresses("first", 1)
	e.createService(gen.Service("second"))
	e.waitEvent("second", "PoolExhausted")

	s := e.service("first")
	s.Spec.Type = corev1.ServiceTypeClusterIP
	s.Spec.AllocateLoadBalancerNodePorts = nil
	s.Spec.ExternalTrafficPolicy = ""
	for i := range s.Spec.Ports {
		s.Spec.Ports[i].NodePort = 0
	}
	if err := e.c.Update(e.ctx, s); err != nil {
		t.Fatal(err)
	}
	if got := e.waitAddresses("second", 1); got[0] != ip[0] {
		t.Fatalf("second got %v, want %v", got, ip)
	}
	e.eventually("first's status cleared", 10*time.Second, func() string {
		if got := addresses(e.service("first")); len(got) != 0 {
			return "still has " + got[0]
		}
		return ""
	})
}
