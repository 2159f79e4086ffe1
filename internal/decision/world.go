package decision

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/farol-lb/farol/internal/election"
)

// World is the cluster-wide part of the decision: nodes, live speakers and
// advertisements. It is rebuilt when one of those changes and shared by the
// per-Service decisions in between, which then cost a ring lookup each.
// Not safe for concurrent use of Decide (it caches candidate sets).
type World struct {
	ring  *election.Ring
	nodes map[string]Node
	// usable are live speakers on nodes that may announce at all.
	usable map[string]bool
	// live are the live speakers, usable or not (for Why).
	live map[string]bool
	ads  []Advertisement
	// cands caches candidate sets by the advertisements that select a
	// pool, so Services of one pool share one set.
	cands map[string]*election.Candidates
	// bgp are the BGP advertisements, bgpCands the eligible nodes of each
	// for Cluster traffic, shared by the Services it selects.
	bgp      []BGPAdvertisement
	bgpCands map[string][]string
}

// Inputs are what a World is built from.
type Inputs struct {
	// Protocol elects L2 owners; zero means election.LatestProtocol.
	Protocol election.Protocol
	Nodes    []Node
	// Live are the speakers alive in the membership.
	Live []string
	L2   []Advertisement
	BGP  []BGPAdvertisement
}

// Build builds the shared state from in.
func Build(in Inputs) *World {
	p := in.Protocol
	if p == 0 {
		p = election.LatestProtocol
	}
	w := NewWorldFor(p, in.Nodes, in.Live, in.L2)
	w.bgp = slices.Clone(in.BGP)
	sort.Slice(w.bgp, func(i, j int) bool { return w.bgp[i].Name < w.bgp[j].Name })
	return w
}

// NewWorld builds the shared state. The ring spans every known node, live
// or not, so that a speaker coming and going moves only its own addresses.
func NewWorld(nodes []Node, live []string, ads []Advertisement) *World {
	return NewWorldFor(election.LatestProtocol, nodes, live, ads)
}

// NewWorldFor builds the shared state with owners chosen by protocol p:
// the newest one every live speaker speaks (see Protocol).
func NewWorldFor(p election.Protocol, nodes []Node, live []string, ads []Advertisement) *World {
	w := &World{nodes: map[string]Node{}, usable: map[string]bool{}, live: map[string]bool{}, cands: map[string]*election.Candidates{}, bgpCands: map[string][]string{}}
	names := make([]string, 0, len(nodes))
	for _, n := range nodes {
		w.nodes[n.Name] = n
		names = append(names, n.Name)
	}
	w.ring = election.NewRingFor(p, names)
	for _, name := range live {
		w.live[name] = true
		if n, ok := w.nodes[name]; ok && mayAnnounce(n) {
			w.usable[name] = true
		}
	}
	w.ads = slices.Clone(ads)
	sort.Slice(w.ads, func(i, j int) bool { return w.ads[i].Name < w.ads[j].Name })
	return w
}

// Decide computes the announcements of each address of one Service: one
// per mode whose advertisements select its pool (BGP: one per selecting
// advertisement), or one ModeNone saying why nobody announces it.
func (w *World) Decide(s Service) []Announcement {
	bgp := w.selectingBGP(s.Pool)
	ads := w.selecting(s.Pool)
	if len(ads) == 0 && len(bgp) > 0 {
		return w.decideBGP(s, bgp)
	}
	return append(w.decideL2(s, ads), w.decideBGP(s, bgp)...)
}

// decideL2 is the Layer 2 rule: one owner per address among the
// candidates, elected by the ring; ModeNone when no advertisement selects
// the pool.
func (w *World) decideL2(s Service, ads []Advertisement) []Announcement {
	out := make([]Announcement, 0, len(s.Addrs))
	cands, reason := w.candidates(s, ads)
	mode := ModeL2
	if len(ads) == 0 {
		mode = ModeNone
	}
	for _, a := range s.Addrs {
		an := Announcement{Service: s.Key, Addr: a, Mode: mode, Reason: reason}
		if cands != nil {
			if owner, ok := w.ring.Owner(a, cands); ok {
				an.Nodes, an.Reason = []string{owner}, ""
				an.Interfaces = w.interfaces(owner, ads)
			}
		}
		out = append(out, an)
	}
	return out
}

// selecting returns the advertisements that select a pool.
func (w *World) selecting(pool string) []Advertisement {
	var out []Advertisement
	for _, ad := range w.ads {
		if ad.Pool == nil || ad.Pool(pool) {
			out = append(out, ad)
		}
	}
	return out
}

// candidates returns the nodes that may announce the Service's addresses,
// or nil and the reason there are none.
func (w *World) candidates(s Service, ads []Advertisement) (*election.Candidates, string) {
	if len(ads) == 0 {
		return nil, fmt.Sprintf("no L2Advertisement or BGPAdvertisement selects pool %q", s.Pool)
	}
	if len(s.ReadyNodes) == 0 {
		return nil, "the Service has no ready endpoint"
	}
	key := adsKey(ads)
	if !s.LocalTraffic {
		if c, ok := w.cands[key]; ok {
			return c, w.emptyReason(c, s, ads)
		}
	}
	// With Local traffic the candidates are among the few nodes with an
	// endpoint: walk those, not every usable node, so that deciding a
	// Local Service costs O(endpoints) on a cluster of thousands.
	var from []string
	if s.LocalTraffic {
		from = s.ReadyNodes
	} else {
		from = slices.Collect(maps.Keys(w.usable))
	}
	var names []string
	for _, name := range from {
		if w.usable[name] && w.selectedByAny(name, ads) {
			names = append(names, name)
		}
	}
	c := w.ring.Candidates(names)
	if !s.LocalTraffic {
		w.cands[key] = c
	}
	return c, w.emptyReason(c, s, ads)
}

func (w *World) emptyReason(c *election.Candidates, s Service, ads []Advertisement) string {
	if c.Len() > 0 {
		return ""
	}
	if s.LocalTraffic {
		return "no live speaker on a node with a ready local endpoint (externalTrafficPolicy: Local) is selected by " + adNames(ads)
	}
	return "no live speaker on a node selected by " + adNames(ads) + " may announce (excluded, cordoned, network unavailable or not running)"
}

func (w *World) selectedByAny(node string, ads []Advertisement) bool {
	for _, ad := range ads {
		if ad.SelectsNode(w.nodes[node].Labels) {
			return true
		}
	}
	return false
}

// SelectsNode reports whether a node with these labels may announce for
// the advertisement.
func (a Advertisement) SelectsNode(labels map[string]string) bool {
	return a.Node == nil || a.Node(labels)
}

// interfaces merges the interface lists of the advertisements that select
// the owner; any of them without a list means every suitable interface.
func (w *World) interfaces(owner string, ads []Advertisement) []string {
	var out []string
	for _, ad := range ads {
		if !ad.SelectsNode(w.nodes[owner].Labels) {
			continue
		}
		if len(ad.Interfaces) == 0 {
			return nil
		}
		out = append(out, ad.Interfaces...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func adsKey(ads []Advertisement) string {
	names := make([]string, len(ads))
	for i, ad := range ads {
		names[i] = ad.Name
	}
	return strings.Join(names, "\x00")
}

func adNames(ads []Advertisement) string {
	names := make([]string, len(ads))
	for i, ad := range ads {
		names[i] = "L2Advertisement " + ad.Name
	}
	return strings.Join(names, ", ")
}

// Protocol returns the owner-election protocol to use: the newest one that
// every live speaker published, where a speaker that published none speaks
// the first, and never one this build does not know. A rolling upgrade
// thus switches once, when the last old speaker has gone.
func Protocol(published map[string]int) election.Protocol {
	p := election.LatestProtocol
	for _, v := range published {
		q := election.Protocol(v)
		if v == 0 {
			q = election.ProtocolRing
		}
		p = min(p, q)
	}
	return p
}
