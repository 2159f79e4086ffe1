package config

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/decision"
)

func bgpPeer(name string, f func(*farolv1.BGPPeerSpec)) *farolv1.BGPPeer {
	p := &farolv1.BGPPeer{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: farolv1.BGPPeerSpec{PeerAddress: "192.0.2.1", PeerASN: 65001, MyASN: 65000}}
	if f != nil {
		f(&p.Spec)
	}
	return p
}

func dur(d time.Duration) *metav1.Duration { return &metav1.Duration{Duration: d} }

func ptr[T any](v T) *T { return &v }

// wantErrs checks that errs has one error per fragment, in order.
func wantErrs(t *testing.T, errs field.ErrorList, want []string) {
	t.Helper()
	if len(errs) != len(want) {
		t.Fatalf("errors %v, want %q", errs, want)
	}
	for i, w := range want {
		if !strings.Contains(errs[i].Error(), w) {
			t.Errorf("error %q does not contain %q", errs[i].Error(), w)
		}
	}
}

func TestBGPPeerDefaults(t *testing.T) {
	got, errs := BGPPeer(bgpPeer("p", nil))
	wantErrs(t, errs, nil)
	if got.Address.String() != "192.0.2.1" || got.Port != 179 || got.Hold != 90*time.Second || got.Keepalive != 30*time.Second ||
		got.Connect != 120*time.Second || got.MultiHop != 0 || got.BFD != nil || got.Source.IsValid() || got.RouterID.IsValid() ||
		got.PasswordSecret != (decision.SecretKey{}) || got.IBGP() || !got.Selects(map[string]string{"any": "node"}) {
		t.Fatalf("defaults: %+v", got)
	}
}

func TestBGPPeerFields(t *testing.T) {
	got, errs := BGPPeer(bgpPeer("p", func(s *farolv1.BGPPeerSpec) {
		s.PeerAddress, s.SourceAddress, s.PeerASN, s.MyASN = "2001:db8::1", "2001:db8::2", 4200000000, 4200000000
		s.PeerPort, s.HoldTime, s.ConnectTime = ptr(int32(1179)), dur(10*time.Second), dur(5*time.Second)
		s.GracefulRestart, s.RouterID = true, "10.1.1.1"
		s.PasswordSecretRef = &farolv1.SecretKeyRef{Name: "md5"}
		s.BFD = &farolv1.BFD{MinRx: dur(100 * time.Millisecond), Multiplier: ptr(int32(5))}
		s.NodeSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"rack": "a"}}
	}))
	wantErrs(t, errs, nil)
	want := decision.BFD{MinRx: 100 * time.Millisecond, MinTx: 300 * time.Millisecond, Multiplier: 5}
	if got.Port != 1179 || got.Hold != 10*time.Second || got.Keepalive != 3*time.Second || got.Connect != 5*time.Second ||
		got.Source.String() != "2001:db8::2" || got.RouterID.String() != "10.1.1.1" || !got.GracefulRestart || !got.IBGP() ||
		got.PasswordSecret != (decision.SecretKey{Name: "md5", Key: "password"}) || got.BFD == nil || *got.BFD != want {
		t.Fatalf("fields: %+v, BFD %+v", got, got.BFD)
	}
	if !got.Selects(map[string]string{"rack": "a"}) || got.Selects(map[string]string{"rack": "b"}) {
		t.Fatal("node selector not applied")
	}
	ebgp, errs := BGPPeer(bgpPeer("p", func(s *farolv1.BGPPeerSpec) { s.EBGPMultiHop = ptr(int32(4)) }))
	wantErrs(t, errs, nil)
	if ebgp.MultiHop != 4 {
		t.Fatalf("multihop %d", ebgp.MultiHop)
	}
}

func TestBGPPeerInvalid(t *testing.T) {
	tests := map[string]struct {
		f    func(*farolv1.BGPPeerSpec)
		want []string
	}{
		"bad address":            {func(s *farolv1.BGPPeerSpec) { s.PeerAddress = "router" }, []string{"spec.peerAddress"}},
		"zoned address":          {func(s *farolv1.BGPPeerSpec) { s.PeerAddress = "fe80::1%eth0" }, []string{"spec.peerAddress"}},
		"source other family":    {func(s *farolv1.BGPPeerSpec) { s.SourceAddress = "2001:db8::1" }, []string{"spec.sourceAddress: Invalid value: \"2001:db8::1\": must be of the same address family"}},
		"router ID IPv6":         {func(s *farolv1.BGPPeerSpec) { s.RouterID = "2001:db8::1" }, []string{"spec.routerID"}},
		"ASN 0":                  {func(s *farolv1.BGPPeerSpec) { s.PeerASN, s.MyASN = 0, 0 }, []string{"spec.peerASN", "spec.myASN"}},
		"port 0":                 {func(s *farolv1.BGPPeerSpec) { s.PeerPort = ptr(int32(0)) }, []string{"spec.peerPort"}},
		"hold 2s":                {func(s *farolv1.BGPPeerSpec) { s.HoldTime = dur(2 * time.Second) }, []string{"spec.holdTime: Invalid value: \"2s\": must be 0 or at least 3s"}},
		"hold fractional":        {func(s *farolv1.BGPPeerSpec) { s.HoldTime = dur(4500 * time.Millisecond) }, []string{"spec.holdTime: Invalid value: \"4.5s\": must be a whole number"}},
		"keepalive not shorter":  {func(s *farolv1.BGPPeerSpec) { s.HoldTime, s.KeepaliveTime = dur(9*time.Second), dur(9*time.Second) }, []string{"spec.keepaliveTime: Invalid value: \"9s\": must be shorter than holdTime"}},
		"keepalive default hold": {func(s *farolv1.BGPPeerSpec) { s.KeepaliveTime = dur(90 * time.Second) }, []string{"spec.keepaliveTime"}},
		"keepalive with hold 0":  {func(s *farolv1.BGPPeerSpec) { s.HoldTime, s.KeepaliveTime = dur(0), dur(time.Second) }, []string{"must be 0 when holdTime is 0"}},
		"connect 0":              {func(s *farolv1.BGPPeerSpec) { s.ConnectTime = dur(0) }, []string{"spec.connectTime"}},
		"multihop iBGP":          {func(s *farolv1.BGPPeerSpec) { s.MyASN, s.EBGPMultiHop = 65001, ptr(int32(2)) }, []string{"spec.ebgpMultiHop"}},
		"multihop 0":             {func(s *farolv1.BGPPeerSpec) { s.EBGPMultiHop = ptr(int32(0)) }, []string{"spec.ebgpMultiHop"}},
		"secret without name":    {func(s *farolv1.BGPPeerSpec) { s.PasswordSecretRef = &farolv1.SecretKeyRef{} }, []string{"spec.passwordSecretRef.name"}},
		"BFD too fast":           {func(s *farolv1.BGPPeerSpec) { s.BFD = &farolv1.BFD{MinTx: dur(time.Millisecond)} }, []string{"spec.bfd.minTx"}},
		"BFD multiplier 1":       {func(s *farolv1.BGPPeerSpec) { s.BFD = &farolv1.BFD{Multiplier: ptr(int32(1))} }, []string{"spec.bfd.multiplier"}},
		"bad node selector": {func(s *farolv1.BGPPeerSpec) {
			s.NodeSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "k", Operator: metav1.LabelSelectorOpIn}}}
		}, []string{"spec.nodeSelector"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, errs := BGPPeer(bgpPeer("p", tc.f))
			wantErrs(t, errs, tc.want)
			if got.Address.IsValid() || got.Name != "p" {
				t.Errorf("an invalid peer translates to %+v, want only its name", got)
			}
		})
	}
}

func bgpAd(f func(*farolv1.BGPAdvertisementSpec)) *farolv1.BGPAdvertisement {
	a := &farolv1.BGPAdvertisement{ObjectMeta: metav1.ObjectMeta{Name: "ad"}}
	if f != nil {
		f(&a.Spec)
	}
	return a
}

func TestBGPAdvertisement(t *testing.T) {
	labelled := pool("lab", 0, "10.0.3.0/24")
	labelled.Labels = map[string]string{"tier": "edge"}
	pools := []farolv1.AddressPool{pool("a", 0, "10.0.0.0/24"), labelled}

	all, errs := BGPAdvertisement(bgpAd(nil), pools)
	wantErrs(t, errs, nil)
	if all.AggregationV4 != 32 || all.AggregationV6 != 128 || !all.SelectsPool("any") || !all.ToPeer("any") ||
		!all.SelectsNode(nil) || all.LocalPref != nil || all.Communities != nil {
		t.Fatalf("defaults: %+v", all)
	}

	got, errs := BGPAdvertisement(bgpAd(func(s *farolv1.BGPAdvertisementSpec) {
		s.Pools, s.PoolSelector = []string{"a"}, &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "edge"}}
		s.AggregationLength, s.AggregationLengthV6 = ptr(int32(24)), ptr(int32(64))
		s.Communities = []farolv1.Community{"65000:100", "65000:1:2"}
		s.LocalPref, s.Peers = ptr(uint32(200)), []string{"tor1"}
		s.NodeSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"rack": "a"}}
	}), pools)
	wantErrs(t, errs, nil)
	want := []decision.Community{{A: 65000, B: 100}, {Large: true, A: 65000, B: 1, C: 2}}
	if got.AggregationV4 != 24 || got.AggregationV6 != 64 || *got.LocalPref != 200 || len(got.Communities) != 2 ||
		got.Communities[0] != want[0] || got.Communities[1] != want[1] {
		t.Fatalf("fields: %+v", got)
	}
	for p, sel := range map[string]bool{"a": true, "lab": true, "other": false} {
		if got.SelectsPool(p) != sel {
			t.Errorf("SelectsPool(%q) = %v", p, !sel)
		}
	}
	if !got.ToPeer("tor1") || got.ToPeer("tor2") || !got.SelectsNode(map[string]string{"rack": "a"}) || got.SelectsNode(nil) {
		t.Error("peers or node selector not applied")
	}

	bad := map[string]struct {
		f    func(*farolv1.BGPAdvertisementSpec)
		want []string
	}{
		"aggregation 33":  {func(s *farolv1.BGPAdvertisementSpec) { s.AggregationLength = ptr(int32(33)) }, []string{"spec.aggregationLength"}},
		"aggregation v6":  {func(s *farolv1.BGPAdvertisementSpec) { s.AggregationLengthV6 = ptr(int32(-1)) }, []string{"spec.aggregationLengthV6"}},
		"community range": {func(s *farolv1.BGPAdvertisementSpec) { s.Communities = []farolv1.Community{"1:2", "65536:1"} }, []string{"spec.communities[1]"}},
		"community form":  {func(s *farolv1.BGPAdvertisementSpec) { s.Communities = []farolv1.Community{"large:1:2:3"} }, []string{"spec.communities[0]"}},
		"pool selector": {func(s *farolv1.BGPAdvertisementSpec) {
			s.PoolSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "k", Operator: "Near"}}}
		}, []string{"spec.poolSelector"}},
	}
	for name, tc := range bad {
		t.Run(name, func(t *testing.T) {
			got, errs := BGPAdvertisement(bgpAd(tc.f), pools)
			wantErrs(t, errs, tc.want)
			if got.Pool != nil || got.Name != "ad" {
				t.Errorf("an invalid advertisement translates to %+v, want only its name", got)
			}
		})
	}
}
