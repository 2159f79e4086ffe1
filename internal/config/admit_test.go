package config

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
)

func TestCheckAddressPool(t *testing.T) {
	deleting := pool("gone", 0, "10.0.9.0/24")
	now := metav1.Now()
	deleting.DeletionTimestamp = &now
	existing := []farolv1.AddressPool{pool("a", 0, "10.0.0.0/24", "2001:db8::/64"), pool("b", 0, "10.0.1.0/28"), deleting}
	tests := map[string]struct {
		pool farolv1.AddressPool
		want []string // fragments, one per error; none = valid
	}{
		"disjoint":                 {pool("c", 0, "10.0.2.0/24", "2001:db8:1::/64"), nil},
		"its own stored version":   {pool("a", 0, "10.0.0.0/25"), nil},
		"a pool being deleted":     {pool("c", 0, "10.0.9.5-10.0.9.9"), nil},
		"one address of another":   {pool("c", 0, "10.0.2.0/24", "10.0.0.255-10.0.1.0"), []string{`spec.addresses[1]: Invalid value: "10.0.0.255-10.0.1.0": overlaps 10.0.0.0/24 of AddressPool "a"`, `spec.addresses[1]`}},
		"IPv6 overlap":             {pool("c", 0, "2001:db8::8000/120"), []string{`spec.addresses[0]`}},
		"index skips invalid ones": {pool("c", 0, "bogus", "10.0.1.0/30"), []string{"spec.addresses[0]", `spec.addresses[1]: Invalid value: "10.0.1.0/30": overlaps 10.0.1.0/28 of AddressPool "b"`}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			errs := CheckAddressPool(&tc.pool, existing)
			if len(errs) != len(tc.want) {
				t.Fatalf("errors %v, want %d", errs, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.Contains(errs[i].Error(), w) {
					t.Errorf("error %d %q does not contain %q", i, errs[i].Error(), w)
				}
			}
		})
	}
}

func TestCheckL2Advertisement(t *testing.T) {
	labelled := pool("lab", 0, "10.0.3.0/24")
	labelled.Labels = map[string]string{"tier": "edge"}
	pools := []farolv1.AddressPool{pool("a", 0, "10.0.0.0/24"), labelled}
	ad := func(f func(*farolv1.L2AdvertisementSpec)) *farolv1.L2Advertisement {
		a := &farolv1.L2Advertisement{ObjectMeta: metav1.ObjectMeta{Name: "ad"}}
		f(&a.Spec)
		return a
	}
	tests := map[string]struct {
		ad       *farolv1.L2Advertisement
		err      string
		warnings []string
	}{
		"every pool":    {ad: ad(func(*farolv1.L2AdvertisementSpec) {})},
		"existing pool": {ad: ad(func(s *farolv1.L2AdvertisementSpec) { s.Pools = []string{"a"} })},
		"missing pool":  {ad: ad(func(s *farolv1.L2AdvertisementSpec) { s.Pools = []string{"a", "nope"} }), warnings: []string{`spec.pools[1]: AddressPool "nope" does not exist`}},
		"selector matches": {ad: ad(func(s *farolv1.L2AdvertisementSpec) {
			s.PoolSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "edge"}}
		})},
		"selector matches none": {ad: ad(func(s *farolv1.L2AdvertisementSpec) {
			s.PoolSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "core"}}
		}), warnings: []string{"spec.poolSelector: selects no existing AddressPool"}},
		"bad node selector": {ad: ad(func(s *farolv1.L2AdvertisementSpec) {
			s.NodeSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "k", Operator: metav1.LabelSelectorOpIn}}}
		}), err: "spec.nodeSelector"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			errs, warnings := CheckL2Advertisement(tc.ad, pools)
			if got := errs.ToAggregate(); (got == nil) != (tc.err == "") || (got != nil && !strings.Contains(got.Error(), tc.err)) {
				t.Fatalf("errors %v, want %q", got, tc.err)
			}
			if len(warnings) != len(tc.warnings) {
				t.Fatalf("warnings %q, want %q", warnings, tc.warnings)
			}
			for i, w := range tc.warnings {
				if !strings.Contains(warnings[i], w) {
					t.Errorf("warning %q does not contain %q", warnings[i], w)
				}
			}
		})
	}
}
