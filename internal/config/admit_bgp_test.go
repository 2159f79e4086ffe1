package config

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
)

func TestCheckBGPAdvertisement(t *testing.T) {
	now := metav1.Now()
	ibgp := *bgpPeer("core", func(s *farolv1.BGPPeerSpec) { s.PeerASN = 65000 })
	ebgp := *bgpPeer("tor", nil)
	leaving := *bgpPeer("leaving", nil)
	leaving.DeletionTimestamp = &now
	peers := []farolv1.BGPPeer{ibgp, ebgp, leaving}
	gone := pool("gone", 0, "10.0.9.0/24")
	gone.DeletionTimestamp = &now
	labelled := pool("lab", 0, "10.0.3.0/24")
	labelled.Labels = map[string]string{"tier": "edge"}
	pools := []farolv1.AddressPool{pool("a", 0, "10.0.0.0/24", "2001:db8::/120"), pool("r", 0, "10.0.1.10-10.0.1.49"), labelled, gone}
	tests := map[string]struct {
		spec     func(*farolv1.BGPAdvertisementSpec)
		err      []string
		warnings []string
	}{
		"every pool to every peer": {spec: func(*farolv1.BGPAdvertisementSpec) {}},
		"localPref to iBGP only": {spec: func(s *farolv1.BGPAdvertisementSpec) {
			s.LocalPref, s.Peers = ptr(uint32(150)), []string{"core"}
		}},
		"localPref to every peer": {spec: func(s *farolv1.BGPAdvertisementSpec) { s.LocalPref = ptr(uint32(150)) },
			err: []string{`spec.localPref: Invalid value: 150: BGPPeer "tor" is eBGP (peerASN 65001, myASN 65000)`}},
		"localPref to a named eBGP peer": {spec: func(s *farolv1.BGPAdvertisementSpec) {
			s.LocalPref, s.Peers = ptr(uint32(0)), []string{"core", "tor"}
		}, err: []string{`spec.localPref: Invalid value: 0: BGPPeer "tor"`}},
		"localPref and a peer being deleted": {spec: func(s *farolv1.BGPAdvertisementSpec) {
			s.LocalPref, s.Peers = ptr(uint32(1)), []string{"core", "leaving"}
		}, warnings: []string{`spec.peers[1]: BGPPeer "leaving" does not exist`}},
		"missing peer": {spec: func(s *farolv1.BGPAdvertisementSpec) { s.Peers = []string{"tor", "nope"} },
			warnings: []string{`spec.peers[1]: BGPPeer "nope" does not exist`}},
		"missing pool": {spec: func(s *farolv1.BGPAdvertisementSpec) { s.Pools = []string{"a", "gone"} },
			warnings: []string{`spec.pools[1]: AddressPool "gone" does not exist`}},
		"selector matches none": {spec: func(s *farolv1.BGPAdvertisementSpec) {
			s.PoolSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "core"}}
		}, warnings: []string{"spec.poolSelector: selects no existing AddressPool"}},
		"aggregation within the pools": {spec: func(s *farolv1.BGPAdvertisementSpec) {
			s.Pools, s.AggregationLength, s.AggregationLengthV6 = []string{"a", "lab"}, ptr(int32(24)), ptr(int32(120))
		}},
		"aggregation wider than a range": {spec: func(s *farolv1.BGPAdvertisementSpec) {
			s.Pools, s.AggregationLength = []string{"a", "r"}, ptr(int32(28))
		}, warnings: []string{`spec.aggregationLength: the route 10.0.1.0/28 for 10.0.1.10-10.0.1.49 of AddressPool "r" covers addresses outside the pool`}},
		"IPv6 aggregation wider than the pool": {spec: func(s *farolv1.BGPAdvertisementSpec) {
			s.Pools, s.AggregationLengthV6 = []string{"a"}, ptr(int32(64))
		}, warnings: []string{`spec.aggregationLengthV6: the route 2001:db8::/64`}},
		"invalid on its own": {spec: func(s *farolv1.BGPAdvertisementSpec) {
			s.Communities, s.LocalPref = []farolv1.Community{"1:2:3:4"}, ptr(uint32(1))
		}, err: []string{"spec.communities[0]"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			errs, warnings := CheckBGPAdvertisement(bgpAd(tc.spec), peers, pools)
			wantErrs(t, errs, tc.err)
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
