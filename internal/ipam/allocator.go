package ipam

import (
	"math/big"
	"net/netip"
	"slices"
	"strings"
)

// Allocator hands out addresses from pools to Services. It is not safe for
// concurrent use: the caller serialises calls (the controller holds a mutex).
type Allocator struct {
	pools    []*poolState // ordered by (Priority, Name)
	byName   map[string]*poolState
	enabled  []*rangeState // ranges of enabled pools, sorted; they never overlap
	disabled []*poolState  // in pool order; may overlap anything
	slots    map[netip.Addr]*slot
	services map[string]*holder
	shared   map[string]map[netip.Addr]*slot // sharing key → addresses held under it
}

// slot is one held address, or a released one still queued in its range's
// free heap (then it has no holders).
type slot struct {
	addr    netip.Addr
	holders []*holder  // sorted by key
	owner   *poolState // pool the address belongs to; nil for an orphan
	rng     *rangeState
	queued  bool   // in rng.free
	key     string // sharing key it is indexed under
}

// holder is one Service's state.
type holder struct {
	svc   Service
	req   Request
	known bool    // req came from Assign; after Restore the request is unknown
	slots []*slot // primary family first
}

// New returns an Allocator without pools.
func New() *Allocator {
	return &Allocator{
		byName:   map[string]*poolState{},
		slots:    map[netip.Addr]*slot{},
		services: map[string]*holder{},
		shared:   map[string]map[netip.Addr]*slot{},
	}
}

// SetPools replaces the pool configuration. Assignments are kept; one whose
// address no longer lies in any pool becomes an orphan (see Orphans). It
// fails, changing nothing, if a pool is invalid or two enabled pools overlap.
// Cost: O(p log p) in ranges plus O(n) in held addresses.
func (a *Allocator) SetPools(pools []Pool) error {
	states := make([]*poolState, 0, len(pools))
	byName := make(map[string]*poolState, len(pools))
	var enabled []*rangeState
	for _, p := range pools {
		if p.Name == "" {
			return errorf(ErrInvalidPool, "a pool has no name")
		}
		if _, dup := byName[p.Name]; dup {
			return errorf(ErrInvalidPool, "pool %q is defined twice", p.Name)
		}
		for _, r := range p.Ranges {
			if err := r.validate(); err != nil {
				return errorf(ErrInvalidPool, "pool %q: %v", p.Name, err)
			}
		}
		ps := newPoolState(p)
		states = append(states, ps)
		byName[p.Name] = ps
		if !p.Disabled {
			for _, fs := range ps.fams {
				if fs != nil {
					enabled = append(enabled, fs.ranges...)
				}
			}
		}
	}
	slices.SortFunc(enabled, func(x, y *rangeState) int { return x.First.Compare(y.First) })
	for i := 1; i < len(enabled); i++ {
		if x, y := enabled[i-1], enabled[i]; x.Overlaps(y.Range) {
			if x.pool == y.pool {
				return errorf(ErrPoolOverlap, "pool %q: ranges %s and %s overlap", x.pool.Name, x.Range, y.Range)
			}
			return errorf(ErrPoolOverlap, "pools %q and %q overlap: %s and %s", x.pool.Name, y.pool.Name, x.Range, y.Range)
		}
	}
	slices.SortFunc(states, comparePools)

	a.pools, a.byName, a.enabled, a.disabled = states, byName, enabled, nil
	for _, ps := range states {
		if ps.Disabled {
			a.disabled = append(a.disabled, ps)
		}
	}
	// The new ranges start with empty heaps and their cursors at First, so
	// released addresses need no slot any more; held ones are placed anew.
	for addr, s := range a.slots {
		if len(s.holders) == 0 {
			delete(a.slots, addr)
			continue
		}
		s.queued = false
		a.locate(s)
		a.count(s, +1)
	}
	return nil
}

// locate finds the pool owning s.addr: the enabled one if any (at most one),
// else the first disabled one.
func (a *Allocator) locate(s *slot) {
	s.owner, s.rng = nil, nil
	if r := a.enabledRange(s.addr); r != nil && !(r.pool.AvoidBuggyIPs && buggy(s.addr)) {
		s.owner, s.rng = r.pool, r
		return
	}
	for _, p := range a.disabled {
		if p.owns(s.addr) {
			s.owner = p
			return
		}
	}
}

// enabledRange returns the enabled range containing addr, by binary search.
func (a *Allocator) enabledRange(addr netip.Addr) *rangeState {
	i, found := slices.BinarySearchFunc(a.enabled, addr, func(r *rangeState, x netip.Addr) int {
		return r.First.Compare(x)
	})
	if found {
		return a.enabled[i]
	}
	if i > 0 && a.enabled[i-1].Contains(addr) {
		return a.enabled[i-1]
	}
	return nil
}

// count adds d to the in-use counter of every pool owning s.addr. Disabled
// pools may overlap the owner, and each reports its own usage.
func (a *Allocator) count(s *slot, d int) {
	f := FamilyOf(s.addr)
	if s.rng != nil {
		s.owner.fam(f).inUse += d
	}
	for _, p := range a.disabled {
		if p.owns(s.addr) {
			p.fam(f).inUse += d
		}
	}
}

// hold adds h to the holders of addr.
func (a *Allocator) hold(h *holder, addr netip.Addr) *slot {
	s := a.slots[addr]
	if s == nil {
		s = &slot{addr: addr}
		a.locate(s)
		a.slots[addr] = s
	}
	if slices.Contains(s.holders, h) {
		return s
	}
	if len(s.holders) == 0 {
		a.count(s, +1)
	}
	i, _ := slices.BinarySearchFunc(s.holders, h.svc.Key, func(o *holder, k string) int {
		return strings.Compare(o.svc.Key, k)
	})
	s.holders = slices.Insert(s.holders, i, h)
	a.reindex(s)
	return s
}

// unhold removes h from the holders of s and frees the address if it was the
// last one.
func (a *Allocator) unhold(h *holder, s *slot) {
	i := slices.Index(s.holders, h)
	if i < 0 {
		return
	}
	s.holders = slices.Delete(s.holders, i, i+1)
	a.reindex(s)
	if len(s.holders) > 0 {
		return
	}
	a.count(s, -1)
	switch {
	case s.queued:
		// still in the heap from an earlier release
	case s.rng != nil && s.rng.below(s.addr):
		s.rng.free.push(s.addr)
		s.queued = true
	default:
		// above the cursor (which will find it free), or in no enabled range
		delete(a.slots, s.addr)
	}
}

// Release frees every address the Service holds. It reports whether the
// Service held any. Cost: O(log n) per address.
func (a *Allocator) Release(key string) bool {
	h := a.services[key]
	if h == nil {
		return false
	}
	for _, s := range h.slots {
		a.unhold(h, s)
	}
	delete(a.services, key)
	return true
}

// Lookup returns the Service's assignment, if it has one.
func (a *Allocator) Lookup(key string) (Assignment, bool) {
	h := a.services[key]
	if h == nil {
		return Assignment{}, false
	}
	return h.assignment(), true
}

func (h *holder) assignment() Assignment {
	asg := Assignment{Addrs: make([]netip.Addr, len(h.slots))}
	for i, s := range h.slots {
		asg.Addrs[i] = s.addr
	}
	if len(h.slots) > 0 && h.slots[0].owner != nil {
		asg.Pool = h.slots[0].owner.Name
	}
	return asg
}

func (h *holder) orphan() bool {
	for _, s := range h.slots {
		if s.owner == nil {
			return true
		}
	}
	return false
}

// Holders returns the sorted keys of the Services holding addr.
func (a *Allocator) Holders(addr netip.Addr) []string {
	s := a.slots[addr.Unmap()]
	if s == nil {
		return nil
	}
	keys := make([]string, len(s.holders))
	for i, h := range s.holders {
		keys[i] = h.svc.Key
	}
	return keys
}

// Orphans returns the sorted keys of Services holding an address that lies in
// no pool. Cost: O(n log n); meant for status reporting, not hot paths.
func (a *Allocator) Orphans() []string {
	var keys []string
	for key, h := range a.services {
		if h.orphan() {
			keys = append(keys, key)
		}
	}
	slices.Sort(keys)
	return keys
}

// Usage reports capacity and use per family of the named pool; nil if there
// is no such pool. Families without a range are absent.
func (a *Allocator) Usage(pool string) map[Family]Usage {
	p := a.byName[pool]
	if p == nil {
		return nil
	}
	u := map[Family]Usage{}
	for i, fs := range p.fams {
		if fs != nil {
			u[Family(i+1)] = Usage{Capacity: new(big.Int).Set(fs.capacity), InUse: fs.inUse}
		}
	}
	return u
}
