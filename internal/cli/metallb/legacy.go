package metallb

import (
	"fmt"
	"sort"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/json"
	"sigs.k8s.io/yaml"

	"github.com/farol-lb/farol/internal/cli/manifest"
)

// readLegacy reads a ConfigMap's `config` key in MetalLB's legacy format
// into CRD-shaped objects; a ConfigMap without the key is not MetalLB's.
func (im *importer) readLegacy(src source, js []byte) (bool, error) {
	var cm struct {
		Data map[string]string `json:"data"`
	}
	if err := json.UnmarshalCaseSensitivePreserveInts(js, &cm); err != nil {
		return false, fmt.Errorf("%s: %w", src, err)
	}
	text, ok := cm.Data["config"]
	if !ok {
		return false, nil
	}
	cfgJSON, err := yaml.YAMLToJSON([]byte(text))
	if err != nil {
		return false, fmt.Errorf("%s: data.config: %w", src, err)
	}
	var cfg legacyConfig
	strict, err := json.UnmarshalStrict(cfgJSON, &cfg, json.DisallowUnknownFields)
	if err != nil {
		return false, fmt.Errorf("%s: data.config: %w", src, err)
	}
	for _, e := range strict {
		im.note(src, "data.config", "%s; not converted", manifest.FieldFirst(e.Error()))
	}
	im.legacyCommunities(cfg.BGPCommunities)
	for i, b := range cfg.BFDProfiles {
		im.bfds = append(im.bfds, item[bfdProfile]{src: entry(src, "bfd-profiles", i), obj: legacyBFDProfile(b, src.namespace)})
	}
	names := map[string]int{}
	for i, p := range cfg.Peers {
		s := entry(src, "peers", i)
		im.peers = append(im.peers, item[bgpPeer]{src: s, obj: im.legacyPeer(s, p, peerName(p.PeerAddress, names))})
	}
	for i, p := range cfg.Pools {
		im.legacyPool(entry(src, "address-pools", i), p)
	}
	return true, nil
}

func entry(src source, list string, i int) source {
	src.entry = fmt.Sprintf("%s[%d]", list, i)
	return src
}

// legacyCommunities adds the named communities, in name order.
func (im *importer) legacyCommunities(named map[string]string) {
	keys := make([]string, 0, len(named))
	for k := range named {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		im.communities[k] = named[k]
	}
}

// peerName names a peer of the legacy ConfigMap, which has no names, after
// its address: "peer-10-0-0-1"; a second peer at one address gets "-2".
func peerName(addr string, used map[string]int) string {
	name := "peer-" + strings.NewReplacer(".", "-", ":", "-").Replace(addr)
	name = strings.Trim(name, "-")
	used[name]++
	if n := used[name]; n > 1 {
		name = fmt.Sprintf("%s-%d", name, n)
	}
	return name
}

func (im *importer) legacyPeer(src source, p legacyPeer, name string) bgpPeer {
	var out bgpPeer
	out.Metadata = metav1.ObjectMeta{Name: name, Namespace: src.namespace}
	s := &out.Spec
	s.MyASN, s.PeerASN, s.PeerAddress, s.SourceAddress = p.MyASN, p.PeerASN, p.PeerAddress, p.SourceAddress
	s.PeerPort, s.RouterID, s.Password, s.BFDProfile, s.EBGPMultiHop = p.PeerPort, p.RouterID, p.Password, p.BFDProfile, p.EBGPMultiHop
	s.HoldTime = im.legacyDuration(src, "spec.holdTime", p.HoldTime)
	s.KeepaliveTime = im.legacyDuration(src, "spec.keepaliveTime", p.KeepaliveTime)
	for _, sel := range p.NodeSelectors {
		ls := metav1.LabelSelector{MatchLabels: sel.MatchLabels}
		for _, e := range sel.MatchExpressions {
			ls.MatchExpressions = append(ls.MatchExpressions, metav1.LabelSelectorRequirement{
				Key: e.Key, Operator: metav1.LabelSelectorOperator(e.Operator), Values: e.Values})
		}
		s.NodeSelectors = append(s.NodeSelectors, ls)
	}
	return out
}

// legacyDuration parses a legacy timer; MetalLB rounded it down to whole
// seconds, and so does the importer.
func (im *importer) legacyDuration(src source, field, v string) *metav1.Duration {
	if v == "" {
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		im.note(src, field, "%q is not a duration; not converted (Farol's default applies)", v)
		return nil
	}
	return &metav1.Duration{Duration: d.Truncate(time.Second)}
}

func legacyBFDProfile(b legacyBFD, namespace string) bfdProfile {
	var out bfdProfile
	out.Metadata = metav1.ObjectMeta{Name: b.Name, Namespace: namespace}
	s := &out.Spec
	s.ReceiveInterval, s.TransmitInterval, s.DetectMultiplier = b.ReceiveInterval, b.TransmitInterval, b.DetectMultiplier
	s.EchoInterval, s.MinimumTTL = b.EchoInterval, b.MinimumTTL
	if b.EchoMode {
		s.EchoMode = &b.EchoMode
	}
	if b.PassiveMode {
		s.PassiveMode = &b.PassiveMode
	}
	return out
}

// legacyPool turns one address pool into an IPAddressPool and the
// advertisements its protocol implied: one L2Advertisement for layer2, one
// BGPAdvertisement per bgp-advertisements entry (or a default one) for
// bgp. Legacy advertisements went to every peer from every node.
func (im *importer) legacyPool(src source, p legacyPool) {
	var pool ipAddressPool
	pool.Metadata = metav1.ObjectMeta{Name: p.Name, Namespace: src.namespace}
	pool.Spec.Addresses, pool.Spec.AutoAssign, pool.Spec.AvoidBuggyIPs = p.Addresses, p.AutoAssign, p.AvoidBuggyIPs
	im.pools = append(im.pools, item[ipAddressPool]{src: src, obj: pool})
	switch p.Protocol {
	case "layer2":
		var ad l2Advertisement
		ad.Metadata = metav1.ObjectMeta{Name: p.Name, Namespace: src.namespace}
		ad.Spec.IPAddressPools = []string{p.Name}
		im.l2 = append(im.l2, item[l2Advertisement]{src: src, obj: ad})
		if len(p.BGPAdvertisements) > 0 {
			im.note(src, "bgp-advertisements", "a layer2 pool has no BGP advertisements (MetalLB refused this); not converted")
		}
	case "bgp":
		ads := p.BGPAdvertisements
		if len(ads) == 0 {
			ads = []legacyAdv{{}}
		}
		for i, a := range ads {
			var ad bgpAdvertisement
			ad.Metadata = metav1.ObjectMeta{Name: p.Name, Namespace: src.namespace}
			if len(ads) > 1 {
				ad.Metadata.Name = fmt.Sprintf("%s-%d", p.Name, i+1)
			}
			ad.Spec.IPAddressPools = []string{p.Name}
			ad.Spec.AggregationLength, ad.Spec.AggregationLengthV6, ad.Spec.Communities = a.AggregationLength, a.AggregationLengthV6, a.Communities
			if a.LocalPref != nil {
				ad.Spec.LocalPref = *a.LocalPref
			}
			s := src
			if len(p.BGPAdvertisements) > 0 {
				s.entry = fmt.Sprintf("%s.bgp-advertisements[%d]", src.entry, i)
			}
			im.bgpAds = append(im.bgpAds, item[bgpAdvertisement]{src: s, obj: ad})
		}
	default:
		im.note(src, "protocol", "%q is neither layer2 nor bgp; the pool is imported without an advertisement", p.Protocol)
	}
}
