package decision

import (
	"net/netip"
	"slices"
)

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

// Mode is one way of making an address reachable. Each mode has its own
// decision rule here and its own announcer on the node; adding a mode adds
// both, and the layers in between route announcements by Mode.
type Mode string

const (
	// ModeNone marks an address that no mode announces; Reason says why.
	ModeNone Mode = ""
	// ModeL2 is Layer 2: one node, the owner, answers ARP and NDP for the
	// address.
	ModeL2 Mode = "l2"
)

// Announcement is the decision for one address of one Service in one
// mode: which nodes announce it and how.
type Announcement struct {
	Service string
	Addr    netip.Addr
	Mode    Mode
	// Nodes announce Addr, sorted: in Layer 2 exactly one, the owner.
	// Empty when no node may, and Reason says why.
	Nodes []string
	// Interfaces the nodes announce on; nil means every suitable one.
	Interfaces []string
	// Reason says, when Nodes is empty, why nobody announces.
	Reason string
	// Route is how a BGP announcement is advertised; nil in other modes.
	// A Service's address has one BGP announcement per BGPAdvertisement
	// that selects its pool.
	Route *Route
	// nodesDigest is NodesDigest(Nodes) when Decide computed it once for
	// a shared list; 0 means not computed.
	nodesDigest uint64
}

// Owner returns the node that answers for the address in Layer 2 mode, ""
// in other modes or when none may.
func (a Announcement) Owner() string {
	if a.Mode != ModeL2 || len(a.Nodes) == 0 {
		return ""
	}
	return a.Nodes[0]
}

// Announces reports whether node is one of the announcing nodes: a binary
// search, as a BGP announcement with Cluster traffic lists thousands.
func (a Announcement) Announces(node string) bool {
	_, ok := slices.BinarySearch(a.Nodes, node)
	return ok
}

// Equal reports whether two announcements say the same.
func (a Announcement) Equal(b Announcement) bool {
	return a.Service == b.Service && a.Addr == b.Addr && a.Mode == b.Mode && a.Reason == b.Reason &&
		slices.Equal(a.Nodes, b.Nodes) && slices.Equal(a.Interfaces, b.Interfaces) && a.Route.Equal(b.Route)
}
