package ipam

import (
	"fmt"
	"math/big"
	"net/netip"
)

// Port is one (protocol, port) pair a Service exposes.
type Port struct {
	Protocol string // "TCP", "UDP" or "SCTP"
	Port     int32
}

func (p Port) String() string { return fmt.Sprintf("%s/%d", p.Protocol, p.Port) }

// Service is what the allocator needs to know about a LoadBalancer Service.
type Service struct {
	Key             string // "namespace/name"
	Namespace       string
	NamespaceLabels map[string]string
	Labels          map[string]string
	SharingKey      string // "" = no sharing
	Ports           []Port
	LocalTraffic    bool              // externalTrafficPolicy: Local
	Selector        map[string]string // pod selector, compared only when LocalTraffic
}

// FamilyPolicy mirrors spec.ipFamilyPolicy.
type FamilyPolicy int

// SingleStack is the zero value, as in Kubernetes when the field is unset.
const (
	SingleStack FamilyPolicy = iota
	PreferDualStack
	RequireDualStack
)

func (p FamilyPolicy) String() string {
	switch p {
	case SingleStack:
		return "SingleStack"
	case PreferDualStack:
		return "PreferDualStack"
	case RequireDualStack:
		return "RequireDualStack"
	}
	return fmt.Sprintf("FamilyPolicy(%d)", int(p))
}

// Request says what a Service asks for.
type Request struct {
	Families  []Family // spec.ipFamilies, primary first; one or two
	Policy    FamilyPolicy
	Pool      string       // explicit pool; "" = any auto-assign pool that selects the Service
	Addresses []netip.Addr // explicit addresses, at most one per family

	// ReplaceOrphan moves a held address that is no longer inside any pool to
	// a fresh one. Without it an orphan is kept, so that a pool edit never
	// renumbers a Service behind its owner's back.
	ReplaceOrphan bool
}

// Assignment is the set of addresses a Service holds.
type Assignment struct {
	Pool  string       // pool owning Addrs[0]; "" if that address is in no pool
	Addrs []netip.Addr // primary family first
}

// Usage counts one family of one pool.
type Usage struct {
	Capacity *big.Int // usable addresses (after avoidBuggyIPs)
	InUse    int      // distinct held addresses, however many Services share each
}
