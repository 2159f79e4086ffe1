package config

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
)

func pool(name string, created int, addrs ...string) farolv1.AddressPool {
	p := farolv1.AddressPool{ObjectMeta: metav1.ObjectMeta{
		Name:              name,
		CreationTimestamp: metav1.NewTime(time.Unix(int64(created), 0)),
	}}
	for _, a := range addrs {
		p.Spec.Addresses = append(p.Spec.Addresses, farolv1.AddressRange(a))
	}
	return p
}

func TestValidatePool(t *testing.T) {
	tests := map[string]struct {
		pool farolv1.AddressPool
		want string // fragment of the aggregated error; "" = valid
	}{
		"valid mixed":     {pool("a", 0, "10.0.0.0/24", "2001:db8::/64"), ""},
		"empty":           {pool("a", 0), "spec.addresses: Required value"},
		"host bits":       {pool("a", 0, "10.0.0.0/24", "10.0.1.1/24"), "spec.addresses[1]"},
		"reversed":        {pool("a", 0, "10.0.0.9-10.0.0.1"), "spec.addresses[0]"},
		"overlap in pool": {pool("a", 0, "10.0.0.0/24", "10.0.0.5-10.0.0.6"), "overlaps 10.0.0.0/24 in the same pool"},
		"bad selector": {func() farolv1.AddressPool {
			p := pool("a", 0, "10.0.0.0/24")
			p.Spec.Allocation = &farolv1.Allocation{NamespaceSelector: &metav1.LabelSelector{
				MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "k", Operator: "Bogus"}},
			}}
			return p
		}(), "spec.allocation.namespaceSelector"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, errs := ValidatePool(&tc.pool)
			switch {
			case tc.want == "" && len(errs) > 0:
				t.Fatalf("unexpected errors: %v", errs)
			case tc.want != "" && (len(errs) == 0 || !strings.Contains(errs.ToAggregate().Error(), tc.want)):
				t.Fatalf("errors %v do not contain %q", errs, tc.want)
			}
		})
	}
}

func TestBuildPoolsOverlap(t *testing.T) {
	states := BuildPools([]farolv1.AddressPool{
		pool("young", 20, "10.0.0.128/25"),
		pool("old", 10, "10.0.0.0/24"),
		pool("apart", 30, "10.1.0.0/24"),
		pool("broken", 5, "nonsense"),
		pool("tie-b", 40, "10.2.0.0/24"),
		pool("tie-a", 40, "10.2.0.0/25"),
	})
	got := map[string]PoolState{}
	for _, s := range states {
		got[s.Pool.Name] = s
	}
	for name, want := range map[string]struct{ reason, rival string }{
		"old":    {farolv1.ReasonReady, ""},
		"young":  {farolv1.ReasonOverlap, "old"},
		"apart":  {farolv1.ReasonReady, ""},
		"broken": {farolv1.ReasonInvalid, ""},
		"tie-a":  {farolv1.ReasonReady, ""},
		"tie-b":  {farolv1.ReasonOverlap, "tie-a"},
	} {
		s := got[name]
		if s.Reason != want.reason || s.OverlapsWith != want.rival {
			t.Errorf("%s: reason %s rival %q, want %s %q (%s)", name, s.Reason, s.OverlapsWith, want.reason, want.rival, s.Message)
		}
		if s.Pool.Disabled == s.Ready() {
			t.Errorf("%s: Disabled=%v but Ready=%v", name, s.Pool.Disabled, s.Ready())
		}
	}
	if !strings.Contains(got["young"].Message, `pool "old"`) {
		t.Errorf("overlap message does not name the other pool: %s", got["young"].Message)
	}
	// The verdict does not depend on list order.
	again := BuildPools([]farolv1.AddressPool{
		pool("tie-a", 40, "10.2.0.0/25"), pool("apart", 30, "10.1.0.0/24"), pool("old", 10, "10.0.0.0/24"),
		pool("tie-b", 40, "10.2.0.0/24"), pool("broken", 5, "nonsense"), pool("young", 20, "10.0.0.128/25"),
	})
	for i := range states {
		if states[i].Pool.Name != again[i].Pool.Name || states[i].Reason != again[i].Reason {
			t.Fatalf("order-dependent result: %v vs %v", states[i].Pool.Name, again[i].Pool.Name)
		}
	}
}
