package ipam

import (
	"cmp"
	"fmt"
	"math/big"
	"net/netip"
	"slices"
)

// Selector decides whether a label set is selected. It is the one method of
// apimachinery's labels.Selector that ipam needs, taking a plain map so the
// package builds with the standard library alone; the controller adapts a
// labels.Selector with
//
//	ipam.SelectorFunc(func(l map[string]string) bool { return sel.Matches(labels.Set(l)) })
type Selector interface {
	Matches(labels map[string]string) bool
}

// SelectorFunc adapts a function to Selector.
type SelectorFunc func(labels map[string]string) bool

// Matches calls f.
func (f SelectorFunc) Matches(labels map[string]string) bool { return f(labels) }

// Pool is one operator-defined set of addresses and the rules for handing
// them out.
type Pool struct {
	Name          string
	Ranges        []Range
	AutoAssign    bool
	AvoidBuggyIPs bool // never hand out x.y.z.0 and x.y.z.255 (IPv4 only)
	Priority      int  // lower first; ties broken by Name

	// Selection. A Service matches when its namespace is in Namespaces (if
	// non-empty) AND NamespaceSelector matches its namespace labels (if
	// non-nil) AND ServiceSelector matches the Service labels (if non-nil).
	Namespaces        []string
	NamespaceSelector Selector
	ServiceSelector   Selector

	// Disabled pools (e.g. one that overlaps another pool) are never used for
	// new allocations; addresses already handed out from them stay valid.
	Disabled bool
}

// refusal says why a pool may not serve a Service; zero means it may.
type refusal int

const (
	accepted refusal = iota
	isDisabled
	notAutoAssign
	namespaceNotAllowed
	namespaceLabelsDiffer
	serviceLabelsDiffer
)

// refuses checks whether p may serve svc. auto is true when the Service did
// not name the pool or an address in it. It returns a code rather than a
// message so that trying fifty pools per Service allocates nothing.
func (p *Pool) refuses(svc *Service, auto bool) refusal {
	switch {
	case p.Disabled:
		return isDisabled
	case auto && !p.AutoAssign:
		return notAutoAssign
	case len(p.Namespaces) > 0 && !slices.Contains(p.Namespaces, svc.Namespace):
		return namespaceNotAllowed
	case p.NamespaceSelector != nil && !p.NamespaceSelector.Matches(svc.NamespaceLabels):
		return namespaceLabelsDiffer
	case p.ServiceSelector != nil && !p.ServiceSelector.Matches(svc.Labels):
		return serviceLabelsDiffer
	}
	return accepted
}

func (r refusal) explain(svc *Service) string {
	switch r {
	case isDisabled:
		return "disabled"
	case notAutoAssign:
		return "autoAssign=false"
	case namespaceNotAllowed:
		return fmt.Sprintf("namespace %q not allowed", svc.Namespace)
	case namespaceLabelsDiffer:
		return "namespace labels do not match"
	case serviceLabelsDiffer:
		return "service labels do not match"
	}
	return "accepted"
}

// buggy reports whether a is an IPv4 address ending in .0 or .255, which some
// old client stacks mistake for a network or broadcast address.
func buggy(a netip.Addr) bool {
	if !a.Is4() {
		return false
	}
	b := a.As4()
	return b[3] == 0 || b[3] == 255
}

// poolState is a Pool plus its free-space structures and counters.
type poolState struct {
	Pool
	fams [2]*famState // indexed by Family-1; nil when the pool has no range of that family
}

// famState holds one family's ranges of a pool, sorted by address, so the
// first range with a free address yields the pool's lowest free address.
type famState struct {
	ranges   []*rangeState
	capacity *big.Int // usable addresses: range sizes minus avoided .0/.255
	inUse    int      // distinct held addresses owned by the pool
}

func (p *poolState) fam(f Family) *famState { return p.fams[f-1] }

// owns reports whether a is one of p's usable addresses.
func (p *poolState) owns(a netip.Addr) bool {
	fs := p.fam(FamilyOf(a))
	if fs == nil || (p.AvoidBuggyIPs && buggy(a)) {
		return false
	}
	_, ok := fs.find(a)
	return ok
}

// find returns the range containing a, by binary search.
func (fs *famState) find(a netip.Addr) (*rangeState, bool) {
	i, found := slices.BinarySearchFunc(fs.ranges, a, func(r *rangeState, a netip.Addr) int {
		return r.First.Compare(a)
	})
	if found {
		return fs.ranges[i], true
	}
	if i > 0 && fs.ranges[i-1].Contains(a) {
		return fs.ranges[i-1], true
	}
	return nil, false
}

func newPoolState(p Pool) *poolState {
	ps := &poolState{Pool: p}
	ps.Ranges = slices.Clone(p.Ranges)
	ps.Namespaces = slices.Clone(p.Namespaces)
	for _, r := range ps.Ranges {
		f := r.Family()
		if ps.fams[f-1] == nil {
			ps.fams[f-1] = &famState{capacity: new(big.Int)}
		}
		fs := ps.fams[f-1]
		fs.ranges = append(fs.ranges, &rangeState{Range: r, pool: ps, next: r.First})
		fs.capacity.Add(fs.capacity, r.Size())
		if r.Overlaps(mapped) {
			fs.capacity.Sub(fs.capacity, Range{First: maxAddr(r.First, mappedFirst), Last: minAddr(r.Last, mappedLast)}.Size())
		}
		if p.AvoidBuggyIPs && f == IPv4 {
			fs.capacity.Sub(fs.capacity, big.NewInt(buggyCount(r)))
		}
	}
	for _, fs := range ps.fams {
		if fs != nil {
			slices.SortFunc(fs.ranges, func(x, y *rangeState) int { return x.First.Compare(y.First) })
		}
	}
	return ps
}

// buggyCount counts the .0 and .255 addresses of an IPv4 range in O(1).
func buggyCount(r Range) int64 {
	f, l := r.First.As4(), r.Last.As4()
	lo := int64(f[0])<<24 | int64(f[1])<<16 | int64(f[2])<<8 | int64(f[3])
	hi := int64(l[0])<<24 | int64(l[1])<<16 | int64(l[2])<<8 | int64(l[3])
	// multiples of 256 in [x, y]
	mult := func(x, y int64) int64 { return max(0, y/256-(x+255)/256+1) }
	return mult(lo, hi) + mult(lo+1, hi+1) // .0, then .255 (n+1 is a multiple)
}

func maxAddr(x, y netip.Addr) netip.Addr {
	if x.Less(y) {
		return y
	}
	return x
}

func minAddr(x, y netip.Addr) netip.Addr {
	if x.Less(y) {
		return x
	}
	return y
}

func comparePools(x, y *poolState) int {
	return cmp.Or(cmp.Compare(x.Priority, y.Priority), cmp.Compare(x.Name, y.Name))
}
