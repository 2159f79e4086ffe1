package metallb

import (
	"slices"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
)

// convertBGPAdvertisement writes one BGPAdvertisement, or two when it has
// a LOCAL_PREF and goes to iBGP and eBGP peers: MetalLB silently sent
// LOCAL_PREF to the iBGP peers only, Farol refuses an advertisement that
// would send it to an eBGP peer, so the eBGP peers get a copy without it.
func (im *importer) convertBGPAdvertisement(a item[bgpAdvertisement]) {
	s, src := a.obj.Spec, a.src
	out := &farolv1.BGPAdvertisement{
		TypeMeta:   metav1.TypeMeta{APIVersion: farolv1.GroupVersion.String(), Kind: "BGPAdvertisement"},
		ObjectMeta: metav1.ObjectMeta{Name: a.obj.Metadata.Name, Labels: a.obj.Metadata.Labels},
	}
	o := &out.Spec
	o.Pools, o.PoolSelector = im.poolSelection(src, s.IPAddressPools, s.IPAddressPoolSelectors)
	o.NodeSelector = im.selector(src, "spec.nodeSelectors", s.NodeSelectors)
	o.AggregationLength, o.AggregationLengthV6, o.Peers = s.AggregationLength, s.AggregationLengthV6, s.Peers
	for i, c := range s.Communities {
		if v, ok := im.community(src, i, c); ok {
			o.Communities = append(o.Communities, v)
		}
	}
	if len(s.ServiceSelectors) > 0 {
		im.note(src, "spec.serviceSelectors", "not supported: Farol advertises every Service of the selected pools; not converted")
	}
	if s.LocalPref == 0 {
		im.emit(src, out.Kind, out.Name, out)
		return
	}
	lp := s.LocalPref
	o.LocalPref = &lp
	ibgp, ebgp, unknown := im.peersByKind(s.Peers)
	// Peers not in the input may be iBGP: they keep LOCAL_PREF, as in
	// MetalLB, and validation or admission judges them once they exist.
	keep := append(ibgp, unknown...)
	switch {
	case len(ebgp) == 0:
	case len(keep) == 0:
		o.LocalPref = nil
		im.note(src, "spec.localPref", "goes to eBGP peers only %v, which never receive LOCAL_PREF (MetalLB dropped it); not converted", ebgp)
	default:
		o.Peers = keep
		split := out.DeepCopy()
		split.Name += "-ebgp"
		split.Spec.Peers, split.Spec.LocalPref = ebgp, nil
		im.note(src, "spec.localPref", "LOCAL_PREF goes to iBGP peers only: %s keeps it for %v, %s without it goes to the eBGP peers %v", out.Name, keep, split.Name, ebgp)
		im.emit(src, split.Kind, split.Name, split)
	}
	im.emit(src, out.Kind, out.Name, out)
}

// peersByKind splits the peers an advertisement goes to (every imported
// peer when none is named) into iBGP and eBGP ones, and the named peers
// that were not imported, whose kind is unknown.
func (im *importer) peersByKind(named []string) (ibgp, ebgp, unknown []string) {
	found := map[string]bool{}
	for _, p := range im.out.objs {
		peer, ok := p.Obj.(*farolv1.BGPPeer)
		if !ok || (len(named) > 0 && !slices.Contains(named, peer.Name)) {
			continue
		}
		found[peer.Name] = true
		if peer.Spec.PeerASN == peer.Spec.MyASN {
			ibgp = append(ibgp, peer.Name)
		} else {
			ebgp = append(ebgp, peer.Name)
		}
	}
	for _, n := range named {
		if !found[n] {
			unknown = append(unknown, n)
		}
	}
	return ibgp, ebgp, unknown
}

// community resolves an alias from the Community objects or the legacy
// bgp-communities and drops MetalLB's "large:" prefix.
func (im *importer) community(src source, i int, c string) (farolv1.Community, bool) {
	v := c
	if alias, ok := im.communities[c]; ok {
		v = alias
	} else if !strings.Contains(c, ":") {
		im.note(src, "spec.communities["+strconv.Itoa(i)+"]", "%q is neither a community nor an alias defined in the input; not converted", c)
		return "", false
	}
	return farolv1.Community(strings.TrimPrefix(v, "large:")), true
}
