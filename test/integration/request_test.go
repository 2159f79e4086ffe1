package integration

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/kubernetes"

	"github.com/farol-lb/farol/test/gen"
)

// TestRequests covers farol.dev/addresses, spec.loadBalancerIP,
// farol.dev/pool (also on a pool with autoAssign off), addresses outside
// every pool, and an address already taken.
func TestRequests(t *testing.T) {
	e := newEnv(t)
	e.createPool(gen.Pool("req-auto", []string{"10.30.0.0/29", "fd00:30::/125"}))
	e.createPool(gen.Pool("req-manual", []string{"10.30.1.0/29"}, gen.Manual()))
	e.startController()

	e.createService(gen.Service("pinned", gen.WithAddresses("10.30.0.5")))
	if got := e.waitAddresses("pinned", 1); got[0] != "10.30.0.5" {
		t.Fatalf("pinned got %v", got)
	}
	e.createService(gen.Service("dual", gen.DualStack(corev1.IPFamilyPolicyRequireDualStack), gen.WithAddresses("fd00:30::3, 10.30.0.3")))
	if got := e.waitAddresses("dual", 2); got[0] != "10.30.0.3" || got[1] != "fd00:30::3" {
		t.Fatalf("dual got %v, want [10.30.0.3 fd00:30::3]", got)
	}
	e.createService(gen.Service("lbip", func(s *corev1.Service) { s.Spec.LoadBalancerIP = "10.30.1.4" }))
	if got := e.waitAddresses("lbip", 1); got[0] != "10.30.1.4" {
		t.Fatalf("lbip got %v", got)
	}
	if got := e.service("lbip").Annotations["farol.dev/allocated-from"]; got != "req-manual" {
		t.Fatalf("lbip allocated from %q, want req-manual", got)
	}
	e.createService(gen.Service("bypool", gen.WithPool("req-manual")))
	if got := e.waitAddresses("bypool", 1); got[0] != "10.30.1.0" {
		t.Fatalf("bypool got %v, want the lowest free 10.30.1.0", got)
	}
	e.createService(gen.Service("auto"))
	if got := e.waitAddresses("auto", 1); got[0] != "10.30.0.0" {
		t.Fatalf("auto got %v, want 10.30.0.0 from the auto pool", got)
	}

	e.createService(gen.Service("taken", gen.WithAddresses("10.30.0.5")))
	e.waitEvent("taken", "AddressInUse", "10.30.0.5", e.ns+"/pinned")
	e.createService(gen.Service("outside", gen.WithAddresses("192.0.2.1")))
	e.waitEvent("outside", "AddressOutsidePools", "192.0.2.1")
	e.createService(gen.Service("nopool", gen.WithPool("does-not-exist")))
	e.waitEvent("nopool", "AllocationFailed", "does-not-exist")

	// Changing the request moves the Service; the old address is free again.
	s := e.service("pinned")
	s.Annotations["farol.dev/addresses"] = "10.30.0.6"
	if err := e.c.Update(e.ctx, s); err != nil {
		t.Fatal(err)
	}
	e.eventually("pinned moves to 10.30.0.6", 10*time.Second, func() string {
		if got := addresses(e.service("pinned")); len(got) != 1 || got[0] != "10.30.0.6" {
			return "have " + strings.Join(got, ",")
		}
		return ""
	})
	if got := e.waitAddresses("taken", 1); got[0] != "10.30.0.5" {
		t.Fatalf("taken got %v after 10.30.0.5 was freed", got)
	}
}

// TestMalformedRequests: bad annotations are an event on that Service and
// change nothing else; the controller keeps serving others.
func TestMalformedRequests(t *testing.T) {
	e := newEnv(t)
	e.createPool(gen.Pool("bad-req", []string{"10.31.0.0/29"}))
	_, reg := e.startController()
	cases := map[string]struct {
		opt  gen.ServiceOption
		want []string
	}{
		"not an address":  {gen.WithAddresses("10.31.0.300"), []string{"InvalidRequest", "farol.dev/addresses", "not an IP address"}},
		"two of a family": {gen.WithAddresses("10.31.0.1,10.31.0.2"), []string{"InvalidRequest", "more than one IPv4"}},
		"wrong family":    {gen.WithAddresses("fd00::1"), []string{"InvalidRequest", "IPv6", "spec.ipFamilies"}},
		"lbip conflicts":  {func(s *corev1.Service) { s.Spec.LoadBalancerIP = "10.31.0.3"; gen.WithAddresses("10.31.0.4")(s) }, []string{"InvalidRequest", "spec.loadBalancerIP", "conflicts"}},
		"garbage lbip":    {func(s *corev1.Service) { s.Spec.LoadBalancerIP = "ten" }, []string{"InvalidRequest", "spec.loadBalancerIP"}},
		"empty in list":   {gen.WithAddresses("10.31.0.1,,"), []string{"InvalidRequest", `"" is not an IP address`}},
	}
	i := 0
	for name, tc := range cases {
		i++
		svc := "bad-" + string(rune('a'+i))
		t.Run(name, func(t *testing.T) {
			e := e.sub(t)
			e.createService(gen.Service(svc, tc.opt))
			e.waitEvent(svc, tc.want...)
			e.expectNoAddress(svc, 100*time.Millisecond)
		})
	}
	e.createService(gen.Service("good"))
	e.waitAddresses("good", 1)
	if n := counterValue(t, reg, "farol_allocation_failures_total", "reason", "InvalidRequest"); n < float64(len(cases)) {
		t.Fatalf("failures{reason=InvalidRequest} = %v, want >= %d", n, len(cases))
	}
}

// TestMalformedRequestKeepsAddress: a Service that holds an address and
// then gets a malformed annotation keeps the address; it gets exactly one
// event and no write at all.
func TestMalformedRequestKeepsAddress(t *testing.T) {
	e := newEnv(t)
	e.createPool(gen.Pool("bad-held", []string{"10.33.0.0/29"}))
	_, reg := e.startController()
	e.createService(gen.Service("held"))
	ip := e.waitAddresses("held", 1)
	e.waitEvent("held", "Allocated")

	s := e.service("held")
	s.Annotations["farol.dev/addresses"] = "10.33.0.300"
	if err := e.c.Update(e.ctx, s); err != nil {
		t.Fatal(err)
	}
	e.waitEvent("held", "InvalidRequest", "10.33.0.300")
	e.expectNoWrite("held", s.ResourceVersion, 2*time.Second)

	after := e.service("held")
	if got := addresses(after); !slices.Equal(got, ip) {
		t.Fatalf("address changed from %v to %v", ip, got)
	}
	if got := after.Annotations["farol.dev/allocated-from"]; got != "bad-held" {
		t.Fatalf("allocated-from = %q, want bad-held", got)
	}
	var invalid []eventsv1.Event
	for _, ev := range e.eventObjects("held") {
		if ev.Reason == "AllocationFailed" {
			invalid = append(invalid, ev)
		}
	}
	if len(invalid) != 1 || invalid[0].Series != nil {
		t.Fatalf("want one AllocationFailed event that happened once, got %d: %+v", len(invalid), invalid)
	}
	if n := counterValue(t, reg, "farol_allocation_failures_total", "reason", "InvalidRequest"); n != 1 {
		t.Fatalf("failures{reason=InvalidRequest} = %v, want 1", n)
	}
}

// expectNoWrite watches the Service from resource version rv and fails on
// any change within d: the controller had its say and must keep still.
func (e *env) expectNoWrite(name, rv string, d time.Duration) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, d)
	defer cancel()
	cs, err := kubernetes.NewForConfig(e.cl.Config)
	if err != nil {
		e.t.Fatal(err)
	}
	w, err := cs.CoreV1().Services(e.ns).Watch(ctx, metav1.ListOptions{
		FieldSelector:   fields.OneTermEqualSelector("metadata.name", name).String(),
		ResourceVersion: rv,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	defer w.Stop()
	for {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				if ctx.Err() == nil {
					e.t.Fatal("watch ended early")
				}
				return
			}
			if s, isSvc := ev.Object.(*corev1.Service); isSvc {
				e.t.Fatalf("%s was written (%s, resourceVersion %s): status %v, annotations %v",
					name, ev.Type, s.ResourceVersion, addresses(s), s.Annotations)
			}
			e.t.Fatalf("watch of %s: %s %v", name, ev.Type, ev.Object)
		case <-ctx.Done():
			return
		}
	}
}

// TestMigrationAnnotations: MetalLB's annotations work, each with a
// warning naming the farol.dev replacement.
func TestMigrationAnnotations(t *testing.T) {
	e := newEnv(t)
	e.createPool(gen.Pool("mig-a", []string{"10.32.0.0/29"}, gen.Manual()))
	e.startController()
	e.createService(gen.Service("old", gen.WithAnnotation("metallb.universe.tf/address-pool", "mig-a")))
	e.waitAddresses("old", 1)
	e.waitEvent("old", "DeprecatedAnnotation", "metallb.universe.tf/address-pool", "farol.dev/pool")
	e.createService(gen.Service("new", gen.WithAnnotation("metallb.io/loadBalancerIPs", "10.32.0.6")))
	if got := e.waitAddresses("new", 1); got[0] != "10.32.0.6" {
		t.Fatalf("got %v", got)
	}
	e.waitEvent("new", "DeprecatedAnnotation", "metallb.io/loadBalancerIPs", "farol.dev/addresses")
	e.createService(gen.Service("sh1", gen.WithPool("mig-a"), gen.WithAnnotation("metallb.io/allow-shared-ip", "k"), gen.WithPorts(gen.TCP(80))))
	e.createService(gen.Service("sh2", gen.WithPool("mig-a"), gen.WithAnnotation("metallb.io/allow-shared-ip", "k"), gen.WithPorts(gen.TCP(443))))
	if a, b := e.waitAddresses("sh1", 1), e.waitAddresses("sh2", 1); a[0] != b[0] {
		t.Fatalf("sh1 %v and sh2 %v should share", a, b)
	}
	e.waitEvent("sh2", "DeprecatedAnnotation", "metallb.io/allow-shared-ip", "farol.dev/sharing-key")
}
