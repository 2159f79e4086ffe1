package decision

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// Rule names one condition of the announcement decision. Why walks them in
// the order of the constants.
type Rule string

// The rules, in order.
const (
	RuleAdvertisement Rule = "advertisement"
	RuleNodeSelector  Rule = "node selector"
	RuleNode          Rule = "node"
	RuleExcluded      Rule = "exclusion label"
	RuleCordoned      Rule = "cordon"
	RuleNetwork       Rule = "network"
	RuleSpeaker       Rule = "speaker"
	RuleEndpoints     Rule = "endpoints"
	RuleOwner         Rule = "owner"
	RuleInterfaces    Rule = "interfaces"
	RuleRoute         Rule = "route"
)

// Verdict is one rule applied to one node for one Service.
type Verdict struct {
	Mode Mode
	// Advertisement is the BGPAdvertisement a BGP verdict is about; ""
	// in Layer 2, where the advertisements act together.
	Advertisement string
	// Addr is the address an owner or route verdict is about; invalid for
	// the rules about the node.
	Addr   netip.Addr
	Rule   Rule
	OK     bool
	Detail string
}

// nodeRules are what a node must be to announce anything at all, in order;
// NewWorldFor keeps out the nodes that fail one, and Why says which.
var nodeRules = []struct {
	rule     Rule
	fails    func(Node) bool
	ok, fail string
}{
	{RuleExcluded, func(n Node) bool { return n.Excluded },
		"not labelled node.kubernetes.io/exclude-from-external-load-balancers",
		"labelled node.kubernetes.io/exclude-from-external-load-balancers: never announces"},
	{RuleCordoned, func(n Node) bool { return n.Cordoned },
		"not cordoned", "cordoned (spec.unschedulable): hands its addresses over"},
	{RuleNetwork, func(n Node) bool { return n.NetworkUnavailable },
		"NetworkUnavailable is not True", "its NetworkUnavailable condition is True"},
}

// mayAnnounce reports whether a node passes every rule of nodeRules.
func mayAnnounce(n Node) bool {
	for _, r := range nodeRules {
		if r.fails(n) {
			return false
		}
	}
	return true
}

// Why walks every rule of the decision for one node and one Service, in
// order, and says for each whether the node passes and what was found:
// per mode, the advertisements that select the pool, their node
// selectors, the node rules, the speaker, the endpoints, and then per
// address who owns it (Layer 2, elected by Decide itself) or which route
// goes out (BGP). A node announces an address in a mode exactly when every
// verdict of that mode up to the address's owner or route verdict is OK.
// It shares its rules with Decide and calls it for the owners, so the two
// cannot disagree. Not safe for concurrent use (as Decide).
func (w *World) Why(node string, s Service) []Verdict {
	l2, bgp := w.selecting(s.Pool), w.selectingBGP(s.Pool)
	if len(l2) == 0 && len(bgp) == 0 {
		return []Verdict{{Rule: RuleAdvertisement,
			Detail: fmt.Sprintf("no L2Advertisement or BGPAdvertisement selects pool %q", s.Pool)}}
	}
	anns := w.Decide(s)
	var out []Verdict
	if len(l2) > 0 {
		out = append(out, w.whyL2(node, s, l2, anns)...)
	}
	for _, ad := range bgp {
		out = append(out, w.whyBGP(node, s, ad, anns)...)
	}
	return out
}

func (w *World) whyL2(node string, s Service, ads []Advertisement, anns []Announcement) []Verdict {
	v := func(rule Rule, ok bool, detail string) Verdict {
		return Verdict{Mode: ModeL2, Rule: rule, OK: ok, Detail: detail}
	}
	out := []Verdict{v(RuleAdvertisement, true, "pool "+quote(s.Pool)+" is selected by "+adNames(ads))}
	if _, known := w.nodes[node]; !known {
		return append(out, v(RuleNode, false, "there is no Node "+quote(node)))
	}
	var by []string
	for _, ad := range ads {
		if ad.SelectsNode(w.nodes[node].Labels) {
			by = append(by, ad.Name)
		}
	}
	if len(by) > 0 {
		out = append(out, v(RuleNodeSelector, true, "selected by L2Advertisement "+strings.Join(by, ", ")))
	} else {
		out = append(out, v(RuleNodeSelector, false, "the nodeSelector of "+adNames(ads)+" does not select this node"))
	}
	out = append(out, w.whyNode(node, s, ModeL2, "")...)
	cands, _ := w.candidates(s, ads)
	owns := false
	for _, a := range anns {
		if a.Mode != ModeL2 {
			continue
		}
		ov := Verdict{Mode: ModeL2, Addr: a.Addr, Rule: RuleOwner}
		switch owner := a.Owner(); {
		case owner == node:
			ov.OK, owns = true, true
			ov.Detail = fmt.Sprintf("elected owner of %s among %s", a.Addr, count(cands.Len(), "candidate"))
		case owner != "":
			ov.Detail = fmt.Sprintf("%s owns %s (elected among %s)", owner, a.Addr, count(cands.Len(), "candidate"))
		default:
			ov.Detail = "nobody announces " + a.Addr.String() + ": " + a.Reason
		}
		out = append(out, ov)
	}
	if owns {
		ifaces := w.interfaces(node, ads)
		detail := "answers on every suitable interface"
		if len(ifaces) > 0 {
			detail = "answers on " + strings.Join(ifaces, ", ")
		}
		out = append(out, v(RuleInterfaces, true, detail))
	}
	return out
}

func (w *World) whyBGP(node string, s Service, ad BGPAdvertisement, anns []Announcement) []Verdict {
	v := func(rule Rule, ok bool, detail string) Verdict {
		return Verdict{Mode: ModeBGP, Advertisement: ad.Name, Rule: rule, OK: ok, Detail: detail}
	}
	out := []Verdict{v(RuleAdvertisement, true, "pool "+quote(s.Pool)+" is selected by BGPAdvertisement "+ad.Name)}
	if _, known := w.nodes[node]; !known {
		return append(out, v(RuleNode, false, "there is no Node "+quote(node)))
	}
	if ad.SelectsNode(w.nodes[node].Labels) {
		out = append(out, v(RuleNodeSelector, true, "selected by BGPAdvertisement "+ad.Name))
	} else {
		out = append(out, v(RuleNodeSelector, false, "the nodeSelector of BGPAdvertisement "+ad.Name+" does not select this node"))
	}
	out = append(out, w.whyNode(node, s, ModeBGP, ad.Name)...)
	for _, a := range anns {
		if a.Mode != ModeBGP || a.Route == nil || a.Route.Advertisement != ad.Name {
			continue
		}
		rv := Verdict{Mode: ModeBGP, Advertisement: ad.Name, Addr: a.Addr, Rule: RuleRoute}
		switch {
		case a.Announces(node):
			rv.OK = true
			rv.Detail = "advertises " + a.Route.String() + toEveryPeer(a.Route) + fmt.Sprintf(" (%s advertise it)", count(len(a.Nodes), "node"))
		case len(a.Nodes) > 0:
			rv.Detail = fmt.Sprintf("does not advertise %s; %s do", a.Addr, strings.Join(a.Nodes, ", "))
		default:
			rv.Detail = "nobody advertises " + a.Addr.String() + ": " + a.Reason
		}
		out = append(out, rv)
	}
	return out
}

// whyNode says whether the node, its speaker and the Service's endpoints
// let the node announce: the rules every mode shares. The node exists.
func (w *World) whyNode(node string, s Service, mode Mode, ad string) []Verdict {
	v := func(rule Rule, ok bool, detail string) Verdict {
		return Verdict{Mode: mode, Advertisement: ad, Rule: rule, OK: ok, Detail: detail}
	}
	n := w.nodes[node]
	var out []Verdict
	for _, r := range nodeRules {
		if r.fails(n) {
			out = append(out, v(r.rule, false, r.fail))
		} else {
			out = append(out, v(r.rule, true, r.ok))
		}
	}
	if w.live[node] {
		out = append(out, v(RuleSpeaker, true, "its speaker is alive"))
	} else {
		out = append(out, v(RuleSpeaker, false, "no live speaker runs on it"))
	}
	switch {
	case len(s.ReadyNodes) == 0:
		out = append(out, v(RuleEndpoints, false, "the Service has no ready endpoint"))
	case !s.LocalTraffic:
		out = append(out, v(RuleEndpoints, true, "externalTrafficPolicy Cluster: any node forwards to the ready endpoints"))
	case slices.Contains(s.ReadyNodes, node):
		out = append(out, v(RuleEndpoints, true, "externalTrafficPolicy Local: a ready endpoint runs on this node"))
	default:
		out = append(out, v(RuleEndpoints, false, "externalTrafficPolicy Local: no ready endpoint runs on this node (they run on "+strings.Join(s.ReadyNodes, ", ")+")"))
	}
	return out
}

// toEveryPeer says where a route without a peer list goes (a list is in
// the route's text).
func toEveryPeer(r *Route) string {
	if len(r.Peers) == 0 {
		return " to every peer of the node"
	}
	return ""
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

// count says "1 node", "2 nodes".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
