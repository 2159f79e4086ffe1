package inspect

import (
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/decision"
)

// Report is `kubectl farol status` as data: the stable structure that
// `-o json` and `-o yaml` print (docs/cli.md describes each field).
type Report struct {
	Pools    []Pool    `json:"pools"`
	Services []Service `json:"services"`
	Speakers Speakers  `json:"speakers"`
	BGP      []BGPNode `json:"bgp"`
	// Ignored are advertisements the speakers ignore, and why.
	Ignored []string `json:"ignored,omitempty"`
}

// Pool is one AddressPool as its status reports it.
type Pool struct {
	Name       string     `json:"name"`
	Addresses  []string   `json:"addresses"`
	AutoAssign bool       `json:"autoAssign"`
	Priority   int32      `json:"priority"`
	IPv4       *FamilyUse `json:"ipv4,omitempty"`
	IPv6       *FamilyUse `json:"ipv6,omitempty"`
	Ready      bool       `json:"ready"`
	Reason     string     `json:"reason,omitempty"`
	Message    string     `json:"message,omitempty"`
}

// FamilyUse is one family's capacity (decimal, it can exceed 2^63) and
// use.
type FamilyUse struct {
	Capacity string `json:"capacity"`
	InUse    int64  `json:"inUse"`
}

// Service is one LoadBalancer Service Farol serves.
type Service struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Pool is the pool its addresses came from (farol.dev/allocated-from).
	Pool string `json:"pool,omitempty"`
	// Pending: no address in status yet.
	Pending   bool      `json:"pending"`
	Addresses []Address `json:"addresses,omitempty"`
}

// Address is one address of a Service and who announces it.
type Address struct {
	Address string `json:"address"`
	// Announcements are the speakers' decision, replayed: one per mode
	// (BGP: per BGPAdvertisement), or one of mode "none" with the reason.
	Announcements []Announcement `json:"announcements"`
	// Recorded is the Layer 2 owner the cluster records
	// (farol.dev/announcing-ipv4/-ipv6, "node/interfaces"); empty when
	// none is.
	Recorded string `json:"recorded,omitempty"`
}

// Announcement is one mode's decision for an address.
type Announcement struct {
	// Mode is "l2", "bgp" or "none".
	Mode string `json:"mode"`
	// Nodes announce the address: the owner in Layer 2, every advertising
	// node in BGP.
	Nodes []string `json:"nodes,omitempty"`
	// Interfaces the Layer 2 owner answers on; empty means every suitable
	// one.
	Interfaces []string `json:"interfaces,omitempty"`
	// Route is the BGP route: prefix, advertisement and attributes.
	Route string `json:"route,omitempty"`
	// Reason says why no node announces.
	Reason string `json:"reason,omitempty"`
}

// BGPNode is one node's BGPNodeStatus.
type BGPNode struct {
	Node        string       `json:"node"`
	Established int32        `json:"established"`
	Total       int32        `json:"total"`
	Sessions    []BGPSession `json:"sessions"`
}

// BGPSession is one session of a node.
type BGPSession struct {
	Peer    string `json:"peer"`
	Address string `json:"address,omitempty"`
	State   string `json:"state"`
	// Since is when the session entered State, RFC 3339.
	Since        string `json:"since,omitempty"`
	PrefixesSent int64  `json:"prefixesSent"`
	BFD          string `json:"bfd,omitempty"`
	LastError    string `json:"lastError,omitempty"`
}

// Status reports the snapshot; namespace limits the Services ("" for
// every namespace).
func Status(s *Snapshot, namespace string, o Options) Report {
	an := newAnnouncements(s, o)
	r := Report{Pools: []Pool{}, Services: []Service{}, BGP: []BGPNode{}, Speakers: an.speakers, Ignored: an.skipped}
	for i := range s.Pools {
		r.Pools = append(r.Pools, pool(&s.Pools[i]))
	}
	slices.SortFunc(r.Pools, func(a, b Pool) int { return strings.Compare(a.Name, b.Name) })
	for i := range s.Services {
		svc := &s.Services[i]
		if (namespace != "" && svc.Namespace != namespace) || svc.Spec.Type != corev1.ServiceTypeLoadBalancer {
			continue
		}
		if !ours(svc, o) {
			continue
		}
		r.Services = append(r.Services, an.service(svc))
	}
	slices.SortFunc(r.Services, func(a, b Service) int {
		return strings.Compare(a.Namespace+"/"+a.Name, b.Namespace+"/"+b.Name)
	})
	for _, st := range s.BGPStatus {
		r.BGP = append(r.BGP, bgpNode(&st))
	}
	slices.SortFunc(r.BGP, func(a, b BGPNode) int { return strings.Compare(a.Node, b.Node) })
	return r
}

func pool(p *farolv1.AddressPool) Pool {
	out := Pool{Name: p.Name, AutoAssign: p.Spec.AutoAssign == nil || *p.Spec.AutoAssign, Addresses: []string{}}
	for _, a := range p.Spec.Addresses {
		out.Addresses = append(out.Addresses, string(a))
	}
	if al := p.Spec.Allocation; al != nil {
		out.Priority = al.Priority
	}
	if u := p.Status.IPv4; u != nil {
		out.IPv4 = &FamilyUse{Capacity: u.Capacity, InUse: u.InUse}
	}
	if u := p.Status.IPv6; u != nil {
		out.IPv6 = &FamilyUse{Capacity: u.Capacity, InUse: u.InUse}
	}
	if c := meta.FindStatusCondition(p.Status.Conditions, farolv1.ConditionReady); c != nil {
		out.Ready = c.Status == "True"
		out.Reason, out.Message = c.Reason, c.Message
	} else {
		out.Reason, out.Message = "Unknown", "the controller has not written the pool's status"
	}
	return out
}

func (a *announcements) service(svc *corev1.Service) Service {
	out := Service{Namespace: svc.Namespace, Name: svc.Name, Pool: svc.Annotations[farolv1.AnnotationAllocatedFrom]}
	in, ok := a.input(svc)
	if !ok {
		out.Pending = len(svc.Status.LoadBalancer.Ingress) == 0
		return out
	}
	anns := a.world.Decide(in)
	for _, addr := range in.Addrs {
		ad := Address{Address: addr.String(), Announcements: []Announcement{}}
		if node, ifaces, ok := recorded(svc, addr); ok {
			ad.Recorded = node + "/" + ifaces
		}
		for _, an := range anns {
			if an.Addr == addr {
				ad.Announcements = append(ad.Announcements, announcement(an))
			}
		}
		out.Addresses = append(out.Addresses, ad)
	}
	return out
}

func announcement(a decision.Announcement) Announcement {
	mode := string(a.Mode)
	if a.Mode == decision.ModeNone {
		mode = "none"
	}
	return Announcement{Mode: mode, Nodes: a.Nodes, Interfaces: a.Interfaces, Route: a.Route.String(), Reason: a.Reason}
}

func bgpNode(st *farolv1.BGPNodeStatus) BGPNode {
	out := BGPNode{Node: st.Name, Established: st.Status.Established, Total: st.Status.Total, Sessions: []BGPSession{}}
	for _, x := range st.Status.Sessions {
		s := BGPSession{Peer: x.Peer, Address: x.Address, State: string(x.State), PrefixesSent: x.PrefixesSent,
			BFD: string(x.BFD), LastError: x.LastError}
		if x.Since != nil {
			s.Since = x.Since.UTC().Format(time.RFC3339)
		}
		out.Sessions = append(out.Sessions, s)
	}
	return out
}
