package inspect

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/decision"
)

// explainAnnouncement walks the speakers' rules for every address of svc
// and every node, with decision.World.Why, and compares the verdict with
// what the cluster records.
func explainAnnouncement(e *explanation, s *Snapshot, svc *corev1.Service, o Options) {
	defer events(e, s, svc, "farol-speaker")
	an := newAnnouncements(s, o)
	e.line(1, "speakers: %s", an.speakers.Assumption)
	e.line(2, "alive: %s", dash(strings.Join(an.speakers.Alive, ", ")))
	for _, n := range sortedKeys(an.speakers.NotAlive) {
		e.line(2, "not alive: %s: %s", n, an.speakers.NotAlive[n])
	}
	e.line(1, "owners are elected with the newest election protocol (during a rolling upgrade from an older speaker they may differ)")
	for _, ig := range an.skipped {
		e.line(1, "ignored by the speakers: %s", ig)
	}
	in, ok := an.input(svc)
	if !ok {
		e.verdict(1, false, "announce", "nothing to announce: the Service has no address in status or no "+farolv1.AnnotationAllocatedFrom+" annotation")
		return
	}
	anns := an.world.Decide(in)
	e.line(1, "by address:")
	for _, a := range anns {
		explainDecision(e, s, svc, a)
	}
	e.line(1, "by node (every rule, in order; a node announces in a mode when every rule before the owner or route passes):")
	names := make([]string, 0, len(s.Nodes))
	for _, n := range s.Nodes {
		if len(o.Nodes) == 0 || slices.Contains(o.Nodes, n.Name) {
			names = append(names, n.Name)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		explainNode(e, n, an.world.Why(n, in))
	}
	for _, n := range o.Nodes {
		if !slices.Contains(names, n) {
			e.line(2, "%s: there is no Node %q", n, n)
		}
	}
}

// explainDecision says who announces one address in one mode, and
// whether the cluster records the same.
func explainDecision(e *explanation, s *Snapshot, svc *corev1.Service, a decision.Announcement) {
	switch {
	case a.Mode == decision.ModeNone || len(a.Nodes) == 0:
		e.verdict(2, false, a.Addr.String(), fmt.Sprintf("%s: nobody announces it: %s", modeName(a.Mode), a.Reason))
	case a.Mode == decision.ModeL2:
		where := "every suitable interface"
		if len(a.Interfaces) > 0 {
			where = strings.Join(a.Interfaces, ", ")
		}
		e.verdict(2, true, a.Addr.String(), fmt.Sprintf("layer 2: %s answers ARP/NDP for it on %s", a.Owner(), where))
	default:
		e.verdict(2, true, a.Addr.String(), fmt.Sprintf("BGP: %s advertise %s%s", strings.Join(a.Nodes, ", "), a.Route, peers(a.Route)))
	}
	switch a.Mode {
	case decision.ModeL2, decision.ModeNone:
		clusterL2(e, svc, a)
	case decision.ModeBGP:
		clusterBGP(e, s, a)
	}
}

// clusterL2 compares the elected owner with the one the speakers record.
func clusterL2(e *explanation, svc *corev1.Service, a decision.Announcement) {
	key := farolv1.AnnouncingAnnotation(a.Addr.Is4())
	node, ifaces, ok := recorded(svc, a.Addr)
	owner := a.Owner()
	switch {
	case !ok && owner == "":
		e.line(3, "cluster: agrees (no %s annotation)", key)
	case !ok:
		e.line(3, "cluster DISAGREES: no speaker records announcing it (%s is absent): %s has not answered for it yet, or its speaker is not converged", key, owner)
	case owner == "":
		e.line(3, "cluster DISAGREES: %s says %s announces it (on %s), the rules say nobody: a speaker is not converged", key, node, dash(ifaces))
	case node != owner:
		e.line(3, "cluster DISAGREES: %s says %s announces it, the rules elect %s: a speaker is not converged, or speaker liveness differs from what was assumed above", key, node, owner)
	default:
		e.line(3, "cluster: agrees (%s: %s/%s)", key, node, ifaces)
	}
}

// clusterBGP says, per advertising node, whether its BGPNodeStatus shows
// Established sessions to the peers the route goes to.
func clusterBGP(e *explanation, s *Snapshot, a decision.Announcement) {
	for _, n := range a.Nodes {
		st := bgpStatusOf(s, n)
		if st == nil {
			e.line(3, "cluster: %s has no BGPNodeStatus: its speaker has no BGP session, or has not written one", n)
			continue
		}
		var up, down []string
		for _, x := range st.Status.Sessions {
			if len(a.Route.Peers) > 0 && !slices.Contains(a.Route.Peers, x.Peer) {
				continue
			}
			if x.State == farolv1.BGPSessionEstablished {
				up = append(up, fmt.Sprintf("%s (prefixes sent: %d)", x.Peer, x.PrefixesSent))
				continue
			}
			d := fmt.Sprintf("%s %s", x.Peer, x.State)
			if x.LastError != "" {
				d += ": " + x.LastError
			}
			down = append(down, d)
		}
		switch {
		case len(up) == 0:
			e.line(3, "cluster DISAGREES: %s has no Established session to send it on (%s)", n, dash(strings.Join(down, "; ")))
		case len(down) > 0:
			e.line(3, "cluster: %s sends it to %s; not Established: %s", n, strings.Join(up, ", "), strings.Join(down, "; "))
		default:
			e.line(3, "cluster: %s sends it to %s", n, strings.Join(up, ", "))
		}
	}
}

func bgpStatusOf(s *Snapshot, node string) *farolv1.BGPNodeStatus {
	for i := range s.BGPStatus {
		if s.BGPStatus[i].Name == node {
			return &s.BGPStatus[i]
		}
	}
	return nil
}

// explainNode writes one node's verdicts, grouped by mode.
func explainNode(e *explanation, node string, vs []decision.Verdict) {
	var announces []string
	for _, v := range vs {
		if v.Addr.IsValid() && v.OK {
			announces = append(announces, fmt.Sprintf("%s (%s)", v.Addr, modeName(v.Mode)))
		}
	}
	if len(announces) > 0 {
		e.line(2, "%s: announces %s", node, strings.Join(announces, ", "))
	} else {
		e.line(2, "%s: announces nothing", node)
	}
	block := ""
	for _, v := range vs {
		if b := blockName(v); b != block {
			block = b
			e.line(3, "%s:", b)
		}
		rule := string(v.Rule)
		if v.Addr.IsValid() {
			rule += " of " + v.Addr.String()
		}
		e.verdict(4, v.OK, rule, v.Detail)
	}
}

func blockName(v decision.Verdict) string {
	if v.Mode == decision.ModeBGP {
		return "BGP, BGPAdvertisement " + v.Advertisement
	}
	return modeName(v.Mode)
}

func modeName(m decision.Mode) string {
	switch m {
	case decision.ModeL2:
		return "layer 2"
	case decision.ModeBGP:
		return "BGP"
	}
	return "no mode"
}

// peers says where a route without a peer list goes (a list is in the
// route's text).
func peers(r *decision.Route) string {
	if len(r.Peers) == 0 {
		return " to every peer of each node"
	}
	return ""
}
