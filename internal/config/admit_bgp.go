package config

import (
	"fmt"
	"net/netip"

	"k8s.io/apimachinery/pkg/util/validation/field"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/decision"
	"github.com/farol-lb/farol/internal/ipam"
)

// CheckBGPAdvertisement validates an advertisement on its own and against
// the peers and pools, the rules the CRD cannot see:
//   - localPref on an advertisement that goes to an eBGP peer is an error
//     naming spec.localPref and the peer: BGP sends LOCAL_PREF to iBGP
//     peers only (RFC 4271 5.1.5), so the router would never see it;
//   - a peer or pool named that does not exist is a warning (it may be
//     created next), as is a pool selector that selects no pool;
//   - an aggregation length that makes a route cover addresses outside
//     the pool is a warning: the routers would send traffic for addresses
//     Farol does not own to the nodes.
//
// Peers and pools being deleted do not count.
func CheckBGPAdvertisement(ad *farolv1.BGPAdvertisement, peers []farolv1.BGPPeer, pools []farolv1.AddressPool) (field.ErrorList, []string) {
	pools = live(pools)
	resolved, errs := BGPAdvertisement(ad, pools)
	if len(errs) > 0 {
		return errs, nil
	}
	exists := map[string]bool{}
	for i := range peers {
		p := &peers[i]
		if p.DeletionTimestamp != nil {
			continue
		}
		exists[p.Name] = true
		if ad.Spec.LocalPref != nil && resolved.ToPeer(p.Name) && p.Spec.PeerASN != p.Spec.MyASN {
			errs = append(errs, field.Invalid(field.NewPath("spec", "localPref"), *ad.Spec.LocalPref,
				fmt.Sprintf("BGPPeer %q is eBGP (peerASN %d, myASN %d) and LOCAL_PREF is sent to iBGP peers only; name only iBGP peers in spec.peers or remove localPref",
					p.Name, p.Spec.PeerASN, p.Spec.MyASN)))
		}
	}
	if len(errs) > 0 {
		return errs, nil
	}
	var warnings []string
	for i, name := range ad.Spec.Peers {
		if !exists[name] {
			warnings = append(warnings, fmt.Sprintf("%s: BGPPeer %q does not exist (yet); nothing is advertised to it until it does",
				field.NewPath("spec", "peers").Index(i), name))
		}
	}
	warnings = append(warnings, poolWarnings(ad.Spec.Pools, resolved.Pool, pools)...)
	return nil, append(warnings, aggregationWarnings(resolved, pools)...)
}

// aggregationWarnings finds the first range of each selected pool whose
// aggregated route reaches beyond the range. Blocks are aligned, so
// checking the blocks around a range's first and last address covers
// every address between.
func aggregationWarnings(ad decision.BGPAdvertisement, pools []farolv1.AddressPool) []string {
	var warnings []string
	for i := range pools {
		p := &pools[i]
		if !ad.SelectsPool(p.Name) {
			continue
		}
		for _, a := range p.Spec.Addresses {
			r, err := ipam.ParseRange(string(a))
			if err != nil {
				continue
			}
			first, last := ad.Prefix(r.First), ad.Prefix(r.Last)
			if first.Addr().Less(r.First) || lastAddr(last).Compare(r.Last) > 0 {
				path := "spec.aggregationLength"
				if r.First.Is6() {
					path = "spec.aggregationLengthV6"
				}
				warnings = append(warnings, fmt.Sprintf("%s: the route %s for %s of AddressPool %q covers addresses outside the pool; routers will send their traffic to the nodes",
					path, first, a, p.Name))
				break
			}
		}
	}
	return warnings
}

// lastAddr is the highest address of a prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// live leaves out the pools being deleted.
func live(pools []farolv1.AddressPool) []farolv1.AddressPool {
	out := make([]farolv1.AddressPool, 0, len(pools))
	for _, p := range pools {
		if p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	return out
}
