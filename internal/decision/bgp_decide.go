package decision

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
)

// ModeBGP is BGP: every eligible node advertises the address to its peers
// as a route with itself as next hop, and the router spreads traffic over
// them (ECMP).
const ModeBGP Mode = "bgp"

// Route is how a BGP announcement is advertised: the prefix (the address,
// or its aggregate) and the attributes of the advertisement it comes from.
type Route struct {
	// Advertisement names the BGPAdvertisement.
	Advertisement string
	Prefix        netip.Prefix
	Communities   []Community
	// LocalPref is nil when none is set (iBGP only).
	LocalPref *uint32
	// Peers the route goes to; empty means every peer of the node.
	Peers []string
}

// Equal reports whether two routes say the same.
func (r *Route) Equal(o *Route) bool {
	if r == nil || o == nil {
		return r == o
	}
	return r.Advertisement == o.Advertisement && r.Prefix == o.Prefix &&
		slices.Equal(r.Communities, o.Communities) && slices.Equal(r.Peers, o.Peers) &&
		(r.LocalPref == nil) == (o.LocalPref == nil) && (r.LocalPref == nil || *r.LocalPref == *o.LocalPref)
}

// selectingBGP returns the BGP advertisements that select a pool.
func (w *World) selectingBGP(pool string) []BGPAdvertisement {
	var out []BGPAdvertisement
	for _, ad := range w.bgp {
		if ad.SelectsPool(pool) {
			out = append(out, ad)
		}
	}
	return out
}

// decideBGP is the BGP rule: for each advertisement that selects the
// Service's pool, every eligible node advertises each address — a live
// speaker on a node that may announce at all (not excluded, cordoned or
// network-unavailable), that the advertisement selects, and, with Local
// traffic, that has a ready endpoint. No owner is elected: the router
// chooses among the next hops.
func (w *World) decideBGP(s Service, ads []BGPAdvertisement) []Announcement {
	var out []Announcement
	for _, ad := range ads {
		nodes, reason := w.bgpNodes(s, ad)
		for _, a := range s.Addrs {
			out = append(out, Announcement{
				Service: s.Key, Addr: a, Mode: ModeBGP, Nodes: nodes.names, nodesDigest: nodes.digest, Reason: reason,
				Route: &Route{Advertisement: ad.Name, Prefix: ad.Prefix(a), Communities: ad.Communities,
					LocalPref: ad.LocalPref, Peers: ad.Peers},
			})
		}
	}
	return out
}

// bgpNodes returns the sorted eligible nodes, or none and why. With
// Cluster traffic the set depends only on the advertisement, so Services
// share one slice (read-only) and its digest, which at thousands of nodes
// matters; a Local Service's few nodes are hashed by whoever asks.
func (w *World) bgpNodes(s Service, ad BGPAdvertisement) (nodeSet, string) {
	if len(s.ReadyNodes) == 0 {
		return nodeSet{}, "the Service has no ready endpoint"
	}
	if !s.LocalTraffic {
		if set, ok := w.bgpCands[ad.Name]; ok {
			return set, w.bgpEmptyReason(set.names, s, ad)
		}
	}
	from := s.ReadyNodes
	if !s.LocalTraffic {
		from = slices.Collect(maps.Keys(w.usable))
	}
	var nodes []string
	for _, name := range from {
		if w.usable[name] && ad.SelectsNode(w.nodes[name].Labels) {
			nodes = append(nodes, name)
		}
	}
	slices.Sort(nodes)
	nodes = slices.Compact(nodes)
	set := nodeSet{names: nodes}
	if !s.LocalTraffic {
		set.digest = NodesDigest(nodes)
		w.bgpCands[ad.Name] = set
	}
	return set, w.bgpEmptyReason(nodes, s, ad)
}

func (w *World) bgpEmptyReason(nodes []string, s Service, ad BGPAdvertisement) string {
	if len(nodes) > 0 {
		return ""
	}
	if s.LocalTraffic {
		return "no live speaker on a node with a ready local endpoint (externalTrafficPolicy: Local) is selected by BGPAdvertisement " + ad.Name
	}
	return fmt.Sprintf("no live speaker on a node selected by BGPAdvertisement %s may advertise (excluded, cordoned, network unavailable or not running)", ad.Name)
}

// routeString is a route in one line, for logs and golden files.
func (r *Route) String() string {
	if r == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s via %s", r.Prefix, r.Advertisement)
	if len(r.Communities) > 0 {
		cs := make([]string, len(r.Communities))
		for i, c := range r.Communities {
			cs[i] = c.String()
		}
		fmt.Fprintf(&b, " communities=%s", strings.Join(cs, ","))
	}
	if r.LocalPref != nil {
		fmt.Fprintf(&b, " localpref=%d", *r.LocalPref)
	}
	if len(r.Peers) > 0 {
		fmt.Fprintf(&b, " peers=%s", strings.Join(r.Peers, ","))
	}
	return b.String()
}
