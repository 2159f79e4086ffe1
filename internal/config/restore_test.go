package config

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/farol-lb/farol/internal/ipam"
	"github.com/farol-lb/farol/test/gen"
)

// TestRestore: of two Services holding one address the older keeps it,
// whatever their order in the list; Services Farol does not serve and
// Services without an address are left out.
func TestRestore(t *testing.T) {
	at := func(minute int) func(*corev1.Service) {
		return func(s *corev1.Service) {
			s.CreationTimestamp = metav1.NewTime(time.Date(2026, 1, 1, 0, minute, 0, 0, time.UTC))
		}
	}
	holding := func(ip string) func(*corev1.Service) {
		return func(s *corev1.Service) { s.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: ip}} }
	}
	svcs := []corev1.Service{
		*gen.Service("young", at(5), holding("10.0.0.1")),
		*gen.Service("old", at(1), holding("10.0.0.1")),
		*gen.Service("other-class", at(0), holding("10.0.0.2"), gen.WithClass("example.com/lb")),
		*gen.Service("waiting", at(0)),
	}
	a := ipam.New()
	if err := a.SetPools([]ipam.Pool{{Name: "p", Ranges: []ipam.Range{{First: netip.MustParseAddr("10.0.0.0"), Last: netip.MustParseAddr("10.0.0.3")}}}}); err != nil {
		t.Fatal(err)
	}
	conflicts := Restore(a, svcs, func(s *corev1.Service) bool { return Ours(s, true) })
	if got := a.Holders(netip.MustParseAddr("10.0.0.1")); !slices.Equal(got, []string{"default/old"}) {
		t.Errorf("10.0.0.1 held by %v, want the older Service", got)
	}
	if _, ok := conflicts["default/young"]; !ok || len(conflicts) != 1 {
		t.Errorf("conflicts %v, want default/young's", conflicts)
	}
	if got := a.Holders(netip.MustParseAddr("10.0.0.2")); len(got) != 0 {
		t.Errorf("a Service of another class holds 10.0.0.2: %v", got)
	}
	if _, ok := a.Lookup("default/waiting"); ok {
		t.Error("a Service without an address holds one")
	}
}
