package integration

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/app/controller"
	"github.com/farol-lb/farol/test/gen"
)

// TestRestartKeepsAddresses: a new controller process rebuilds its state
// from Service status before assigning anything, so every Service keeps its
// address and new Services get free ones.
func TestRestartKeepsAddresses(t *testing.T) {
	e := newEnv(t)
	e.createPool(gen.Pool("restart", []string{"10.60.0.0/28", "fd00:60::/124"}))
	stop, _ := e.startController()
	before := map[string][]string{}
	for i := range 6 {
		name := fmt.Sprintf("s%d", i)
		opts := []gen.ServiceOption{}
		if i%2 == 1 {
			opts = append(opts, gen.DualStack(corev1.IPFamilyPolicyPreferDualStack))
		}
		e.createService(gen.Service(name, opts...))
		before[name] = e.waitAddresses(name, 1+i%2)
	}
	// Every address stays taken: a controller that assigned before
	// loading them all would give "late" one of them (the lowest, s0's)
	// and hand it out twice.
	stop()

	// While no controller runs, a Service arrives.
	e.createService(gen.Service("late"))
	e.startController()
	late := e.waitAddresses("late", 1)
	for name, want := range before {
		if got := addresses(e.service(name)); !slices.Equal(got, want) {
			t.Fatalf("%s changed from %v to %v across restart", name, want, got)
		}
		if slices.Contains(want, late[0]) {
			t.Fatalf("late got %s, which %s holds", late[0], name)
		}
	}
}

// TestRestartResolvesDoubleClaims: two Services claim one address in
// status without a valid sharing key (written behind Farol's back); after a
// restart the older keeps it and the newer is reassigned with an event.
func TestRestartResolvesDoubleClaims(t *testing.T) {
	e := newEnv(t)
	e.createPool(gen.Pool("double", []string{"10.61.0.0/29"}))
	stop, _ := e.startController()
	e.createService(gen.Service("older"))
	ip := e.waitAddresses("older", 1)[0]
	time.Sleep(1100 * time.Millisecond) // creation times have one-second resolution
	e.createService(gen.Service("newer"))
	e.waitAddresses("newer", 1)
	stop()

	s := e.service("newer")
	s.Status.LoadBalancer.Ingress[0].IP = ip
	if err := e.c.Status().Update(e.ctx, s); err != nil {
		t.Fatal(err)
	}
	e.startController()
	e.waitEvent("newer", "AddressConflict", "older")
	e.eventually("newer reassigned", 10*time.Second, func() string {
		if got := addresses(e.service("newer")); len(got) != 1 || got[0] == ip {
			return fmt.Sprintf("newer has %v", got)
		}
		return ""
	})
	if got := addresses(e.service("older")); len(got) != 1 || got[0] != ip {
		t.Fatalf("older lost its address: %v", got)
	}
}

// TestPoolEditKeepsAddressInUse: shrinking a pool so that it no longer
// holds an assigned address keeps the address (with a warning); with
// --reassign-orphans the Service moves instead.
func TestPoolEditKeepsAddressInUse(t *testing.T) {
	e := newEnv(t)
	e.createPool(gen.Pool("edit", []string{"10.62.0.0/29"}))
	stop, _ := e.startController()
	e.createService(gen.Service("a"))
	e.createService(gen.Service("b"))
	a := e.waitAddresses("a", 1)
	b := e.waitAddresses("b", 1)

	// Grow: nothing moves.
	e.updatePool("edit", func(p *farolv1.AddressPool) {
		p.Spec.Addresses = append(p.Spec.Addresses, "10.62.1.0/29")
	})
	e.waitPoolReady("edit", "True", "")
	// Shrink away a's address, whichever of the block it got.
	e.updatePool("edit", func(p *farolv1.AddressPool) {
		p.Spec.Addresses = []farolv1.AddressRange{"10.62.1.0/29"}
		for _, r := range without("10.62.0.0", "10.62.0.7", a[0]) {
			p.Spec.Addresses = append(p.Spec.Addresses, farolv1.AddressRange(r))
		}
	})
	// The warning comes after the status write, so the annotation is
	// checked after the controller wrote what it meant to.
	e.waitEvent("a", "AddressOrphaned", a[0])
	checkKept := func(when string) {
		t.Helper()
		if got := addresses(e.service("a")); !slices.Equal(got, a) {
			t.Fatalf("%s: a changed from %v to %v", when, a, got)
		}
		if got := addresses(e.service("b")); !slices.Equal(got, b) {
			t.Fatalf("%s: b changed from %v to %v", when, b, got)
		}
		// The speaker finds a's advertisements through this annotation:
		// the address is still in use, so it must still name its pool.
		if got, ok := e.service("a").Annotations[farolv1.AnnotationAllocatedFrom]; got != "edit" {
			t.Fatalf("%s: a's %s = %q (present: %v), want edit", when, farolv1.AnnotationAllocatedFrom, got, ok)
		}
	}
	checkKept("after the edit")
	stop()

	// A new process restores the orphan from status and warns again (its
	// own, second event); it must not drop the annotation either.
	stop, _ = e.startController()
	e.waitEvents("a", 2, "AddressOrphaned", a[0])
	checkKept("after a restart")
	stop()

	e.startController(func(o *controller.Options) { o.ReassignOrphans = true })
	e.eventually("a reassigned", 10*time.Second, func() string {
		if got := addresses(e.service("a")); len(got) != 1 || got[0] == a[0] {
			return fmt.Sprintf("a has %v", got)
		}
		return ""
	})
}

// without splits the inclusive range first-last around one address.
func without(first, last, hole string) []string {
	f, l, h := netip.MustParseAddr(first), netip.MustParseAddr(last), netip.MustParseAddr(hole)
	var out []string
	if h != f {
		out = append(out, f.String()+"-"+h.Prev().String())
	}
	if h != l {
		out = append(out, h.Next().String()+"-"+l.String())
	}
	return out
}
