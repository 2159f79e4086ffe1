package speaker

import "net/netip"

// Node is a Kubernetes Node as far as announcing goes.
type Node struct {
	Name   string
	Labels map[string]string
	// Excluded: labelled node.kubernetes.io/exclude-from-external-load-balancers.
	Excluded bool
	// NetworkUnavailable: the NetworkUnavailable condition is True.
	NetworkUnavailable bool
	// Cordoned: spec.unschedulable. A cordoned node hands its addresses
	// over, as it would before a drain.
	Cordoned bool
}

// Advertisement is one L2Advertisement with its selectors resolved by the
// caller into predicates.
type Advertisement struct {
	Name string
	// Pool reports whether the advertisement selects a pool (by name).
	Pool func(pool string) bool
	// Node reports whether the advertisement selects a node; nil selects
	// every node.
	Node func(labels map[string]string) bool
	// Interfaces to answer on; empty means every suitable interface.
	Interfaces []string
}

// Service is what the decision needs of one LoadBalancer Service.
type Service struct {
	Key   string // namespace/name
	Addrs []netip.Addr
	Pool  string
	// LocalTraffic: externalTrafficPolicy Local, so only nodes with a ready
	// local endpoint may announce.
	LocalTraffic bool
	// ReadyNodes are the nodes with at least one ready endpoint.
	ReadyNodes []string
}

// Announcement is the decision for one address of one Service.
type Announcement struct {
	Service string
	Addr    netip.Addr
	// Owner is the node that answers for Addr; "" when none may.
	Owner string
	// Interfaces the owner answers on; nil means every suitable one.
	Interfaces []string
	// Reason says, when Owner is "", why nobody announces.
	Reason string
}
