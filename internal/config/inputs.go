package config

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/decision"
)

// Inputs are the cluster-wide inputs of the announcement decision, read
// from the objects the one way the speaker and `kubectl farol explain`
// share.
type Inputs struct {
	Nodes []decision.Node
	L2    []decision.Advertisement
	BGP   []decision.BGPAdvertisement
	// Skipped says, per advertisement left out, why: a selector the API
	// server let through but that does not parse selects nothing, and the
	// rest keep working (the controller's Ready condition says so too).
	Skipped []string
}

// DecisionInputs translates Nodes and advertisements, resolving the
// advertisements' pool selectors against pools. The objects are only
// read.
func DecisionInputs(nodes []corev1.Node, l2 []farolv1.L2Advertisement, bgp []farolv1.BGPAdvertisement, pools []farolv1.AddressPool) Inputs {
	in := Inputs{Nodes: make([]decision.Node, 0, len(nodes))}
	for i := range nodes {
		in.Nodes = append(in.Nodes, Node(&nodes[i]))
	}
	for i := range l2 {
		ad, errs := L2Advertisement(&l2[i], pools)
		if len(errs) > 0 {
			in.Skipped = append(in.Skipped, fmt.Sprintf("L2Advertisement %s: %v", l2[i].Name, errs.ToAggregate()))
			continue
		}
		in.L2 = append(in.L2, ad)
	}
	for i := range bgp {
		ad, errs := BGPAdvertisement(&bgp[i], pools)
		if len(errs) > 0 {
			in.Skipped = append(in.Skipped, fmt.Sprintf("BGPAdvertisement %s: %v", bgp[i].Name, errs.ToAggregate()))
			continue
		}
		in.BGP = append(in.BGP, ad)
	}
	return in
}
