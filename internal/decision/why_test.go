package decision

import (
	"net/netip"
	"testing"
)

// TestWhyAgreesWithDecide: for every node, the rules Why walks before the
// owner or route let it through exactly when Decide makes it announce,
// and each owner or route verdict is OK exactly for the nodes Decide
// chose. Each case has a node that only one rule keeps out.
func TestWhyAgreesWithDecide(t *testing.T) {
	abc := []string{"a", "b", "c"}
	all := []Advertisement{{Name: "all"}}
	tests := map[string]struct {
		nodes []Node
		live  []string
		ads   []Advertisement
		bgp   []BGPAdvertisement
		svc   Service
	}{
		"every node":     {nodes(abc...), abc, all, nil, svc()},
		"not live":       {nodes(abc...), []string{"b", "c"}, all, nil, svc()},
		"node selector":  {nodes(abc...), abc, []Advertisement{{Name: "x", Node: onNodes("b", "c")}}, nil, svc()},
		"other pool":     {nodes(abc...), abc, []Advertisement{{Name: "x", Pool: pools("q")}}, nil, svc()},
		"excluded":       {[]Node{{Name: "a", Excluded: true}, {Name: "b"}, {Name: "c"}}, abc, all, nil, svc()},
		"cordoned":       {[]Node{{Name: "a"}, {Name: "b", Cordoned: true}, {Name: "c"}}, abc, all, nil, svc()},
		"network":        {[]Node{{Name: "a"}, {Name: "b"}, {Name: "c", NetworkUnavailable: true}}, abc, all, nil, svc()},
		"local":          {nodes(abc...), abc, all, nil, svc(local("b"))},
		"no endpoints":   {nodes(abc...), abc, all, nil, svc(func(s *Service) { s.ReadyNodes = nil })},
		"bgp only":       {nodes(abc...), abc, nil, []BGPAdvertisement{{Name: "r", Node: onNodes("a", "b"), AggregationV4: 32, AggregationV6: 128}}, svc()},
		"bgp local":      {nodes(abc...), []string{"a", "b"}, nil, []BGPAdvertisement{{Name: "r", AggregationV4: 32, AggregationV6: 128}}, svc(local("b", "c"))},
		"l2 and two bgp": {nodes(abc...), abc, []Advertisement{{Name: "x", Node: onNodes("a")}}, []BGPAdvertisement{{Name: "r", AggregationV4: 32, AggregationV6: 128}, {Name: "s", Node: onNodes("c"), Peers: []string{"p"}, AggregationV4: 24, AggregationV6: 64}}, svc()},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			w := Build(Inputs{Nodes: tc.nodes, Live: tc.live, L2: tc.ads, BGP: tc.bgp})
			anns := w.Decide(tc.svc)
			for _, node := range append(abc, "ghost") {
				checkWhy(t, node, w.Why(node, tc.svc), anns)
			}
		})
	}
}

// checkWhy compares one node's verdicts with the decision.
func checkWhy(t *testing.T, node string, vs []Verdict, anns []Announcement) {
	t.Helper()
	type block struct {
		mode Mode
		ad   string
	}
	gate := map[block]bool{}
	for _, v := range vs {
		b := block{v.Mode, v.Advertisement}
		if _, ok := gate[b]; !ok {
			gate[b] = true
		}
		if !v.Addr.IsValid() && v.Rule != RuleInterfaces {
			gate[b] = gate[b] && v.OK
		}
	}
	announces := map[block]bool{}
	verdictOf := map[block]map[netip.Addr]bool{}
	for _, v := range vs {
		if v.Addr.IsValid() {
			b := block{v.Mode, v.Advertisement}
			if verdictOf[b] == nil {
				verdictOf[b] = map[netip.Addr]bool{}
			}
			verdictOf[b][v.Addr] = v.OK
		}
	}
	for _, a := range anns {
		b := block{a.Mode, ""}
		if a.Route != nil {
			b.ad = a.Route.Advertisement
		}
		if a.Mode == ModeNone {
			if gate[b] {
				t.Fatalf("%s: nobody may announce (%s) but Why lets it: %+v", node, a.Reason, vs)
			}
			continue
		}
		if a.Announces(node) {
			announces[b] = true
		}
		got, ok := verdictOf[b][a.Addr]
		if !ok && node != "ghost" || got != a.Announces(node) {
			t.Fatalf("%s %v: Why says %v (present %v) for %s, Decide says %v", node, b, got, ok, a.Addr, a.Announces(node))
		}
	}
	for b, g := range gate {
		if g != announces[b] {
			t.Errorf("%s %v: every rule passes: %v, announces some address: %v\n%+v", node, b, g, announces[b], vs)
		}
	}
}

// TestWhyFirstFailure: the first rule a node fails, and its words.
func TestWhyFirstFailure(t *testing.T) {
	ns := []Node{
		{Name: "ok", Labels: map[string]string{"name": "ok"}},
		{Name: "unselected", Labels: map[string]string{"name": "unselected"}},
		{Name: "excluded", Labels: map[string]string{"name": "excluded"}, Excluded: true, Cordoned: true},
		{Name: "cordoned", Labels: map[string]string{"name": "cordoned"}, Cordoned: true},
		{Name: "netdown", Labels: map[string]string{"name": "netdown"}, NetworkUnavailable: true},
		{Name: "dead", Labels: map[string]string{"name": "dead"}},
		{Name: "noendpoint", Labels: map[string]string{"name": "noendpoint"}},
	}
	sel := onNodes("ok", "excluded", "cordoned", "netdown", "dead", "noendpoint")
	w := Build(Inputs{Nodes: ns, Live: []string{"ok", "unselected", "excluded", "cordoned", "netdown", "noendpoint"},
		L2: []Advertisement{{Name: "x", Node: sel, Interfaces: []string{"eth1"}}}})
	s := svc(func(s *Service) {
		s.Addrs = s.Addrs[:1]
		s.LocalTraffic, s.ReadyNodes = true, []string{"cordoned", "dead", "excluded", "netdown", "ok", "unselected"}
	})
	tests := map[string]struct {
		rule   Rule
		detail string
	}{
		"ok":         {"", ""},
		"unselected": {RuleNodeSelector, "the nodeSelector of L2Advertisement x does not select this node"},
		"excluded":   {RuleExcluded, "labelled node.kubernetes.io/exclude-from-external-load-balancers: never announces"},
		"cordoned":   {RuleCordoned, "cordoned (spec.unschedulable): hands its addresses over"},
		"netdown":    {RuleNetwork, "its NetworkUnavailable condition is True"},
		"dead":       {RuleSpeaker, "no live speaker runs on it"},
		"noendpoint": {RuleEndpoints, "externalTrafficPolicy Local: no ready endpoint runs on this node (they run on cordoned, dead, excluded, netdown, ok, unselected)"},
		"ghost":      {RuleNode, `there is no Node "ghost"`},
	}
	for node, tc := range tests {
		t.Run(node, func(t *testing.T) {
			vs := w.Why(node, s)
			for _, v := range vs {
				if !v.OK {
					if v.Rule != tc.rule || v.Detail != tc.detail {
						t.Fatalf("first failure %s: %q, want %s: %q", v.Rule, v.Detail, tc.rule, tc.detail)
					}
					return
				}
			}
			if tc.rule != "" {
				t.Fatalf("no rule fails, want %s", tc.rule)
			}
			if last := vs[len(vs)-1]; last.Rule != RuleInterfaces || last.Detail != "answers on eth1" {
				t.Fatalf("the owner's last verdict is %+v", last)
			}
		})
	}
}
