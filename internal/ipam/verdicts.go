package ipam

import "fmt"

// PoolVerdict is one pool's answer to a Service's request.
type PoolVerdict struct {
	Pool     string
	Priority int
	// Refused says why the pool may not serve the request; "" when it
	// may.
	Refused string
	// Usage is the pool's capacity and use per family.
	Usage map[Family]Usage
}

// PoolVerdicts says, for every pool in the order Assign tries them
// (priority, then name), whether it may serve svc's request and, if not,
// why: the checks of Assign's pool selection (disabled, autoAssign,
// namespaces, selectors, the pool or addresses the request names), for
// `kubectl farol explain`. Whether an accepted pool has a free address is
// in Usage; Assign says the rest (sharing, exhaustion) in its error.
// Cost: O(pools); meant for explanations, not hot paths.
func (a *Allocator) PoolVerdicts(svc Service, req Request) []PoolVerdict {
	auto := req.Pool == "" && len(req.Addresses) == 0
	out := make([]PoolVerdict, 0, len(a.pools))
	for _, p := range a.pools {
		v := PoolVerdict{Pool: p.Name, Priority: p.Priority, Usage: a.Usage(p.Name)}
		if r := p.refuses(&svc, auto); r != accepted {
			v.Refused = r.explain(&svc)
		} else if req.Pool != "" && req.Pool != p.Name {
			v.Refused = fmt.Sprintf("the Service asks for pool %q", req.Pool)
		}
		for _, e := range req.Addresses {
			if v.Refused == "" && !p.owns(e.Unmap()) {
				v.Refused = fmt.Sprintf("the Service asks for %s, which is not in this pool", e)
			}
		}
		out = append(out, v)
	}
	return out
}
