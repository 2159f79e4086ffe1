package ipam

import (
	"maps"
	"net/netip"
	"slices"
	"strings"
)

// incompatible returns why svc may not hold an address that other holds, or
// "" if both may hold it. sameKey tells a refusal among Services that opted in
// to sharing (ErrNotShareable) from plain contention (ErrInUse only).
func incompatible(svc, other *Service) (reason string, sameKey bool) {
	switch {
	case svc.SharingKey == "" && other.SharingKey == "":
		return "no sharing key", false
	case svc.SharingKey != other.SharingKey:
		return "sharing key differs", false
	}
	if ov := overlappingPorts(svc.Ports, other.Ports); len(ov) > 0 {
		return "ports overlap: " + ov, true
	}
	if svc.LocalTraffic != other.LocalTraffic {
		return "traffic policy differs: " + policyName(svc.LocalTraffic) + " vs " + policyName(other.LocalTraffic), true
	}
	// With policy Local, traffic only reaches nodes that run the Service's
	// pods, and one address is announced from one set of nodes: the sharers
	// must therefore select the very same pods.
	if svc.LocalTraffic && !maps.Equal(svc.Selector, other.Selector) {
		return "selectors differ", true
	}
	return "", true
}

func policyName(local bool) string {
	if local {
		return "Local"
	}
	return "Cluster"
}

// overlappingPorts lists the pairs both sides expose, sorted, comma separated.
// Port lists are short, so the quadratic loop beats building a set.
func overlappingPorts(a, b []Port) string {
	var both []string
	for _, p := range a {
		if slices.Contains(b, p) {
			both = append(both, p.String())
		}
	}
	slices.Sort(both)
	return strings.Join(slices.Compact(both), ", ")
}

// conflict returns an InUseError if svc (held by h, which may be nil) may not
// hold addr because of another holder.
func (a *Allocator) conflict(h *holder, svc *Service, addr netip.Addr) error {
	s := a.slots[addr]
	if s == nil {
		return nil
	}
	for _, o := range s.holders {
		if o == h {
			continue
		}
		if why, same := incompatible(svc, &o.svc); why != "" {
			return &InUseError{Addr: addr, Holder: o.svc.Key, Reason: why, SameKey: same}
		}
	}
	return nil
}

// shareable reports whether svc may join the holders of s. It is incompatible
// without the message, which would cost allocations on every candidate.
func shareable(h *holder, svc *Service, s *slot) bool {
	for _, o := range s.holders {
		if o == h {
			continue
		}
		x, y := svc, &o.svc
		if x.SharingKey == "" || x.SharingKey != y.SharingKey || x.LocalTraffic != y.LocalTraffic ||
			(x.LocalTraffic && !maps.Equal(x.Selector, y.Selector)) {
			return false
		}
		for _, p := range x.Ports {
			if slices.Contains(y.Ports, p) {
				return false
			}
		}
	}
	return true
}

// findShare returns the lowest address of family f in pool p that Services
// with svc's sharing key hold and that svc may share.
func (a *Allocator) findShare(h *holder, svc *Service, p *poolState, f Family) (netip.Addr, bool) {
	var best netip.Addr
	for addr, s := range a.shared[svc.SharingKey] {
		if s.owner == p && FamilyOf(addr) == f && (!best.IsValid() || addr.Less(best)) && shareable(h, svc, s) {
			best = addr
		}
	}
	return best, best.IsValid()
}

// reindex files s under the sharing key of its holders, so findShare only
// looks at addresses of one key. Co-holders always have equal keys.
func (a *Allocator) reindex(s *slot) {
	key := ""
	if len(s.holders) > 0 {
		key = s.holders[0].svc.SharingKey
	}
	if key == s.key {
		return
	}
	if s.key != "" {
		m := a.shared[s.key]
		delete(m, s.addr)
		if len(m) == 0 {
			delete(a.shared, s.key)
		}
	}
	if key != "" {
		m := a.shared[key]
		if m == nil {
			m = make(map[netip.Addr]*slot)
			a.shared[key] = m
		}
		m[s.addr] = s
	}
	s.key = key
}
