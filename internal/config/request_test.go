package config

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/ipam"
	"github.com/farol-lb/farol/test/gen"
)

func TestReadRequest(t *testing.T) {
	addrs := func(s ...string) []netip.Addr {
		var out []netip.Addr
		for _, a := range s {
			out = append(out, netip.MustParseAddr(a))
		}
		return out
	}
	tests := map[string]struct {
		svc      *corev1.Service
		pool     string
		addrs    []netip.Addr
		policy   ipam.FamilyPolicy
		key      string
		warnings int
		err      string
	}{
		"plain":           {svc: gen.Service("a")},
		"pool":            {svc: gen.Service("a", gen.WithPool("blue")), pool: "blue"},
		"addresses":       {svc: gen.Service("a", gen.DualStack(corev1.IPFamilyPolicyRequireDualStack), gen.WithAddresses(" 2001:db8::1 ,10.0.0.1")), addrs: addrs("10.0.0.1", "2001:db8::1"), policy: ipam.RequireDualStack},
		"lbip":            {svc: gen.Service("a", func(s *corev1.Service) { s.Spec.LoadBalancerIP = "10.0.0.2" }), addrs: addrs("10.0.0.2")},
		"lbip agrees":     {svc: gen.Service("a", gen.WithAddresses("10.0.0.2"), func(s *corev1.Service) { s.Spec.LoadBalancerIP = "10.0.0.2" }), addrs: addrs("10.0.0.2")},
		"metallb pool":    {svc: gen.Service("a", gen.WithAnnotation("metallb.io/address-pool", "old")), pool: "old", warnings: 1},
		"metallb ignored": {svc: gen.Service("a", gen.WithPool("new"), gen.WithAnnotation("metallb.universe.tf/address-pool", "old")), pool: "new", warnings: 1},
		"metallb sharing": {svc: gen.Service("a", gen.WithAnnotation("metallb.universe.tf/allow-shared-ip", "k")), key: "k", warnings: 1},
		"prefer":          {svc: gen.Service("a", gen.DualStack(corev1.IPFamilyPolicyPreferDualStack)), policy: ipam.PreferDualStack},
		"bad address":     {svc: gen.Service("a", gen.WithAddresses("10.0.0.300")), err: `metadata.annotations[farol.dev/addresses]`},
		"two v4":          {svc: gen.Service("a", gen.WithAddresses("10.0.0.1,10.0.0.2")), err: "more than one IPv4"},
		"wrong family":    {svc: gen.Service("a", gen.WithAddresses("2001:db8::1")), err: "IPv6 but the Service's spec.ipFamilies"},
		"lbip conflict":   {svc: gen.Service("a", gen.WithAddresses("10.0.0.1"), func(s *corev1.Service) { s.Spec.LoadBalancerIP = "10.0.0.2" }), err: "spec.loadBalancerIP"},
		"no families":     {svc: gen.Service("a", func(s *corev1.Service) { s.Spec.IPFamilies = nil }), err: "spec.ipFamilies"},
		"mapped":          {svc: gen.Service("a", gen.WithAddresses("::ffff:10.0.0.1")), err: "not an IP address"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			w, err := ReadRequest(tc.svc, nil)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if w.Request.Pool != tc.pool || !slices.Equal(w.Request.Addresses, tc.addrs) || w.Request.Policy != tc.policy ||
				w.Service.SharingKey != tc.key || len(w.Warnings) != tc.warnings {
				t.Fatalf("got pool %q addrs %v policy %v key %q warnings %q", w.Request.Pool, w.Request.Addresses, w.Request.Policy, w.Service.SharingKey, w.Warnings)
			}
			if w.Service.Key != "default/a" {
				t.Fatalf("key %q", w.Service.Key)
			}
		})
	}
}

func TestOurs(t *testing.T) {
	for name, tc := range map[string]struct {
		svc            *corev1.Service
		def, nodefault bool
	}{
		"no class":    {gen.Service("a"), true, false},
		"our class":   {gen.Service("a", gen.WithClass(farolv1.LoadBalancerClass)), true, true},
		"other class": {gen.Service("a", gen.WithClass("x.io/lb")), false, false},
		"cluster ip":  {gen.Service("a", func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeClusterIP }), false, false},
	} {
		if got := Ours(tc.svc, true); got != tc.def {
			t.Errorf("%s with default class: %v", name, got)
		}
		if got := Ours(tc.svc, false); got != tc.nodefault {
			t.Errorf("%s without default class: %v", name, got)
		}
	}
}
