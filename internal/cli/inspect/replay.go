package inspect

import (
	"net/netip"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/config"
	"github.com/farol-lb/farol/internal/decision"
)

// Options are what the answers assume of the cluster's Farol.
type Options struct {
	// DefaultClass: the controller serves LoadBalancer Services without a
	// spec.loadBalancerClass (its --default-class, true by default).
	DefaultClass bool
	// SpeakerNamespace holds the speaker Pods.
	SpeakerNamespace string
	// Nodes limits explain's rules by node to these; empty shows every
	// node.
	Nodes []string
}

// announcements is the speakers' decision replayed on a snapshot: the
// world built from its Nodes, advertisements and live speakers, by the
// speakers' own translation and decision code.
type announcements struct {
	world    *decision.World
	speakers Speakers
	// skipped are advertisements the speakers ignore, and why.
	skipped []string
	snap    *Snapshot
}

func newAnnouncements(s *Snapshot, o Options) *announcements {
	in := config.DecisionInputs(s.Nodes, s.L2, s.BGP, s.Pools)
	sp := liveness(s, o.SpeakerNamespace)
	// The election protocol the live speakers agree on travels in their
	// membership, which the API does not show: the newest is assumed.
	w := decision.Build(decision.Inputs{Nodes: in.Nodes, Live: sp.Alive, L2: in.L2, BGP: in.BGP})
	return &announcements{world: w, speakers: sp, skipped: in.Skipped, snap: s}
}

// input is what the decision reads of a Service; false when Farol gave
// it no address.
func (a *announcements) input(svc *corev1.Service) (decision.Service, bool) {
	return config.Service(svc, a.snap.slicesOf(svc.Namespace, svc.Name))
}

// slicesOf returns a Service's EndpointSlices.
func (s *Snapshot) slicesOf(namespace, name string) []discoveryv1.EndpointSlice {
	var out []discoveryv1.EndpointSlice
	for _, sl := range s.Slices {
		if sl.Namespace == namespace && sl.Labels[discoveryv1.LabelServiceName] == name {
			out = append(out, sl)
		}
	}
	return out
}

// recorded is what the cluster records as the Layer 2 owner of an
// address: the node and interfaces of the Service's
// farol.dev/announcing-ipv4 or -ipv6 annotation, written by the speaker
// that answers for it.
func recorded(svc *corev1.Service, addr netip.Addr) (node, ifaces string, ok bool) {
	v, ok := svc.Annotations[farolv1.AnnouncingAnnotation(addr.Is4())]
	if !ok {
		return "", "", false
	}
	node, ifaces, _ = strings.Cut(v, "/")
	return node, ifaces, true
}
