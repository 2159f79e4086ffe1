package ipam

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// pick is one address of a plan. from is set for an address that is free
// now; commit then takes it out of that range's free space.
type pick struct {
	addr netip.Addr
	from *rangeState
}

// Assign returns the Service's assignment, choosing one if it has none.
//
// Stickiness: while a Service holds addresses that still fit its request,
// Assign returns them unchanged, whatever happened to the pools since. An
// address that fits no more (the Service asks for another address, pool or
// family, or can no longer share) is replaced only if a replacement can be
// made; otherwise the old assignment stays and the error is returned. An
// orphan (see Orphans) is kept unless req.ReplaceOrphan is set.
//
// Under PreferDualStack a single-stack assignment gains its second family
// from the same pool as soon as that pool can give it; the first address
// does not change.
//
// Cost: O(log n) amortised in held addresses, plus O(pools) for selection
// and O(addresses under the sharing key) when svc.SharingKey is set.
func (a *Allocator) Assign(svc Service, req Request) (Assignment, error) {
	if svc.Key == "" {
		return Assignment{}, errorf(ErrInvalidRequest, "service has no key")
	}
	w, err := parseRequest(req)
	if err != nil {
		return Assignment{}, err
	}
	h := a.services[svc.Key]
	if h != nil && !(req.ReplaceOrphan && h.orphan()) {
		if plan, ok := a.keep(h, &svc, req, &w); ok {
			return a.commit(h, svc, req.normalised(), true, plan), nil
		}
	}
	plan, err := a.choose(h, &svc, req, &w)
	if err != nil {
		return Assignment{}, err
	}
	return a.commit(h, svc, req.normalised(), true, plan), nil
}

// keep returns the Service's current addresses as a plan if they still fit
// the request, adding a missing second family from the first address's pool.
func (a *Allocator) keep(h *holder, svc *Service, req Request, w *want) ([]pick, bool) {
	primary := h.slotOf(w.fams[0])
	if primary == nil || !a.fits(h, svc, req, w, primary) {
		return nil, false
	}
	plan := []pick{{addr: primary.addr}}
	if len(w.fams) == 1 {
		return plan, true
	}
	f := w.fams[1]
	if s := h.slotOf(f); s != nil {
		if !a.fits(h, svc, req, w, s) {
			return nil, false
		}
		return append(plan, pick{addr: s.addr}), true
	}
	if _, ok := w.pinned(f); ok {
		return nil, false // choose() places requested addresses
	}
	if p := primary.owner; p != nil && !p.Disabled && (req.Pool == "" || req.Pool == p.Name) {
		if pk, ok := a.pickIn(h, svc, p, f, false); ok {
			return append(plan, pk), true
		}
	}
	return plan, !w.require
}

// fits reports whether the held address s satisfies the request.
func (a *Allocator) fits(h *holder, svc *Service, req Request, w *want, s *slot) bool {
	if e, ok := w.pinned(FamilyOf(s.addr)); ok && e != s.addr {
		return false
	}
	// The pool is checked only when the request names a new one: an edit of
	// the pools never moves a Service whose request did not change.
	if req.Pool != "" && (!h.known || h.req.Pool != req.Pool) {
		switch {
		case s.owner != nil && s.owner.Name != req.Pool:
			return false
		case s.owner == nil && h.known:
			// After Restore the old request is unknown, and an orphan is
			// given the benefit of the doubt.
			return false
		}
	}
	return shareable(h, svc, s)
}

func (h *holder) slotOf(f Family) *slot {
	for _, s := range h.slots {
		if FamilyOf(s.addr) == f {
			return s
		}
	}
	return nil
}

// choose makes a new plan, leaving the current assignment untouched.
func (a *Allocator) choose(h *holder, svc *Service, req Request, w *want) ([]pick, error) {
	cands, err := a.candidates(h, svc, req, w)
	if err != nil {
		return nil, err
	}
	if plan, ok := a.tryPools(h, svc, w, cands, w.fams); ok {
		return plan, nil
	}
	if w.require || len(w.fams) == 1 {
		return nil, a.shortage(cands, w, w.fams)
	}
	if plan, ok := a.tryPools(h, svc, w, cands, w.fams[:1]); ok {
		return plan, nil
	}
	return nil, a.shortage(cands, w, w.fams[:1])
}

// candidates returns the pools to try, in order.
func (a *Allocator) candidates(h *holder, svc *Service, req Request, w *want) ([]*poolState, error) {
	var named *poolState
	if req.Pool != "" {
		named = a.byName[req.Pool]
		if named == nil {
			return nil, errorf(ErrUnknownPool, "pool %q does not exist", req.Pool)
		}
		if r := named.refuses(svc, false); r != accepted {
			return nil, errorf(ErrNoPool, "pool %q cannot serve %s: %s", named.Name, svc.Key, r.explain(svc))
		}
	}
	var inPool *poolState // pool of the requested addresses
	for _, e := range w.explicit {
		if !e.IsValid() {
			continue
		}
		p, err := a.explicitPool(e, req.Pool)
		if err != nil {
			return nil, err
		}
		if inPool != nil && p != inPool {
			return nil, errorf(ErrInvalidRequest, "requested addresses %s and %s are in different pools (%q and %q)",
				w.explicit[0], w.explicit[1], inPool.Name, p.Name)
		}
		inPool = p
	}
	if inPool != nil {
		if r := inPool.refuses(svc, false); r != accepted {
			return nil, errorf(ErrNoPool, "pool %q cannot serve %s: %s", inPool.Name, svc.Key, r.explain(svc))
		}
		for _, e := range w.explicit {
			if e.IsValid() {
				if err := a.conflict(h, svc, e); err != nil {
					return nil, err
				}
			}
		}
		return []*poolState{inPool}, nil
	}
	if named != nil {
		return []*poolState{named}, nil
	}
	var cands []*poolState
	for _, p := range a.pools {
		if p.refuses(svc, true) == accepted {
			cands = append(cands, p)
		}
	}
	if len(cands) > 0 {
		return cands, nil
	}
	if len(a.pools) == 0 {
		return nil, errorf(ErrNoPool, "no pool can serve %s: no pools are configured", svc.Key)
	}
	why := make([]string, len(a.pools))
	for i, p := range a.pools {
		why[i] = fmt.Sprintf("pool %q: %s", p.Name, p.refuses(svc, true).explain(svc))
	}
	return nil, errorf(ErrNoPool, "no pool can serve %s: %s", svc.Key, joinCapped(why))
}

// explicitPool returns the enabled pool a requested address may come from.
func (a *Allocator) explicitPool(e netip.Addr, pool string) (*poolState, error) {
	r := a.enabledRange(e)
	if r == nil {
		for _, p := range a.disabled {
			if p.owns(e) {
				return nil, errorf(ErrOutsidePool, "requested address %s is in pool %q, which is disabled", e, p.Name)
			}
		}
		return nil, errorf(ErrOutsidePool, "requested address %s is not in any pool", e)
	}
	p := r.pool
	switch {
	case pool != "" && p.Name != pool:
		return nil, errorf(ErrOutsidePool, "requested address %s is in pool %q, not in pool %q", e, p.Name, pool)
	case p.AvoidBuggyIPs && buggy(e):
		return nil, errorf(ErrOutsidePool, "requested address %s is excluded from pool %q by avoidBuggyIPs", e, p.Name)
	}
	return p, nil
}

// tryPools returns a plan for fams from the first pool that can give them
// all. With a sharing key it first looks for a pool where every family can
// be shared, so Services with one key end up on one address when possible.
func (a *Allocator) tryPools(h *holder, svc *Service, w *want, cands []*poolState, fams []Family) ([]pick, bool) {
	if svc.SharingKey != "" {
		for _, p := range cands {
			if plan, ok := a.tryPool(h, svc, w, p, fams, true); ok {
				return plan, true
			}
		}
	}
	for _, p := range cands {
		if plan, ok := a.tryPool(h, svc, w, p, fams, false); ok {
			return plan, true
		}
	}
	return nil, false
}

func (a *Allocator) tryPool(h *holder, svc *Service, w *want, p *poolState, fams []Family, shareOnly bool) ([]pick, bool) {
	plan := make([]pick, 0, len(fams))
	for _, f := range fams {
		if e, ok := w.pinned(f); ok {
			plan = append(plan, pick{addr: e})
			continue
		}
		pk, ok := a.pickIn(h, svc, p, f, shareOnly)
		if !ok {
			return nil, false
		}
		plan = append(plan, pk)
	}
	return plan, true
}

// pickIn chooses an address of family f in pool p: one the Service holds
// already, else one it can share, else (unless shareOnly) the lowest free.
func (a *Allocator) pickIn(h *holder, svc *Service, p *poolState, f Family, shareOnly bool) (pick, bool) {
	if h != nil {
		if s := h.slotOf(f); s != nil && s.owner == p && shareable(h, svc, s) {
			return pick{addr: s.addr}, true
		}
	}
	if svc.SharingKey != "" {
		if addr, ok := a.findShare(h, svc, p, f); ok {
			return pick{addr: addr}, true
		}
	}
	fs := p.fam(f)
	if shareOnly || fs == nil {
		return pick{}, false
	}
	for _, r := range fs.ranges {
		if addr, ok := r.peek(a.slots); ok {
			return pick{addr: addr, from: r}, true
		}
	}
	return pick{}, false
}

// shortage explains why no candidate pool could give fams.
func (a *Allocator) shortage(cands []*poolState, w *want, fams []Family) error {
	var lacking, exhausted []string
	for _, p := range cands {
		missing := slices.IndexFunc(fams, func(f Family) bool { return p.fam(f) == nil })
		if missing >= 0 {
			lacking = append(lacking, fmt.Sprintf("pool %q has no %v range", p.Name, fams[missing]))
			continue
		}
		for _, f := range fams {
			if _, ok := w.pinned(f); ok {
				continue
			}
			if fs := p.fam(f); !fs.hasFree(a.slots) {
				exhausted = append(exhausted, fmt.Sprintf("pool %q is exhausted: %d of %s %v addresses in use",
					p.Name, fs.inUse, fs.capacity, f))
			}
		}
	}
	if len(exhausted) > 0 {
		return errorf(ErrExhausted, "%s", joinCapped(exhausted))
	}
	// A pool with every family fails only when one is exhausted, so here
	// every candidate lacks a family.
	if len(fams) == 2 {
		return errorf(ErrFamilyUnavailable, "no eligible pool has both %v and %v addresses: %s", fams[0], fams[1], joinCapped(lacking))
	}
	return errorf(ErrFamilyUnavailable, "no eligible pool has %v addresses: %s", fams[0], joinCapped(lacking))
}

func (fs *famState) hasFree(slots map[netip.Addr]*slot) bool {
	for _, r := range fs.ranges {
		if _, ok := r.peek(slots); ok {
			return true
		}
	}
	return false
}

// joinCapped joins reasons with "; ", keeping an event message readable when
// there are many pools.
func joinCapped(items []string) string {
	const limit = 8
	if len(items) <= limit {
		return strings.Join(items, "; ")
	}
	return fmt.Sprintf("%s; and %d more", strings.Join(items[:limit], "; "), len(items)-limit)
}

// commit makes plan the Service's assignment, taking fresh addresses out of
// their ranges and releasing held addresses the plan does not keep.
func (a *Allocator) commit(h *holder, svc Service, req Request, known bool, plan []pick) Assignment {
	if h == nil {
		h = &holder{}
		a.services[svc.Key] = h
	}
	h.svc, h.req, h.known = svc, req, known
	old := h.slots
	h.slots = make([]*slot, 0, len(plan))
	for _, pk := range plan {
		if pk.from != nil {
			pk.from.take(pk.addr, a.slots)
		}
		h.slots = append(h.slots, a.hold(h, pk.addr))
	}
	for _, s := range old {
		if !slices.Contains(h.slots, s) {
			a.unhold(h, s)
		}
	}
	for _, s := range h.slots {
		a.reindex(s) // a sole holder may have changed its sharing key
	}
	return h.assignment()
}

// Restore claims exactly addrs for the Service, as read back from its status
// at startup, before any Assign. An address outside every pool is accepted
// and becomes an orphan. It fails with an error matching ErrInUse (naming the
// holder) if another Service holds one of the addresses and may not share it.
func (a *Allocator) Restore(svc Service, addrs []netip.Addr) (Assignment, error) {
	if svc.Key == "" {
		return Assignment{}, errorf(ErrInvalidRequest, "service has no key")
	}
	if len(addrs) == 0 || len(addrs) > 2 {
		return Assignment{}, errorf(ErrInvalidRequest, "restore %s: want one or two addresses, got %d", svc.Key, len(addrs))
	}
	plan := make([]pick, len(addrs))
	for i, e := range addrs {
		if !e.IsValid() || e.Zone() != "" {
			return Assignment{}, errorf(ErrInvalidRequest, "restore %s: invalid address %q", svc.Key, e)
		}
		plan[i].addr = e.Unmap()
	}
	if len(plan) == 2 && FamilyOf(plan[0].addr) == FamilyOf(plan[1].addr) {
		return Assignment{}, errorf(ErrInvalidRequest, "restore %s: two %v addresses %s and %s",
			svc.Key, FamilyOf(plan[0].addr), plan[0].addr, plan[1].addr)
	}
	h := a.services[svc.Key]
	for _, pk := range plan {
		if err := a.conflict(h, &svc, pk.addr); err != nil {
			return Assignment{}, err
		}
	}
	var req Request
	known := false
	if h != nil && h.holds(plan) {
		req, known = h.req, h.known
	}
	return a.commit(h, svc, req, known, plan), nil
}

// holds reports whether h holds exactly the plan's addresses, in order.
func (h *holder) holds(plan []pick) bool {
	if len(h.slots) != len(plan) {
		return false
	}
	for i, s := range h.slots {
		if s.addr != plan[i].addr {
			return false
		}
	}
	return true
}
