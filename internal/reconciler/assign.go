package reconciler

import (
	"net/netip"
	"slices"

	"github.com/farol-lb/farol/internal/config"
	"github.com/farol-lb/farol/internal/ipam"
)

// outcome is what one assignment attempt did.
type outcome struct {
	assignment ipam.Assignment
	// changed: the Service's addresses differ from before the attempt.
	changed bool
	// released names the pool an address went back to, if the Service
	// moved.
	released string
	// freed: the Service gave up an address it held, so Services waiting
	// for one may get it now.
	freed bool
	// orphan: the Service holds an address outside every pool.
	orphan bool
	// conflict: the address the Service had in status was given to an
	// older Service at start; says who.
	conflict string
	// before is what the Service held when the attempt started (empty
	// if nothing).
	before ipam.Assignment
	err    error
}

// assign gives the Service its addresses. A Service the allocator does not
// know yet but whose status already holds addresses (written before this
// process started, or by a previous leader) claims those first, so an
// address never changes under a running Service.
func (a *Allocations) assign(w config.ServiceRequest, inStatus []netip.Addr, reassignOrphans bool) outcome {
	a.mu.Lock()
	defer a.mu.Unlock()
	key := w.Service.Key
	before, held := a.alloc.Lookup(key)
	var out outcome
	if !held && len(inStatus) > 0 {
		if restored, err := a.alloc.Restore(w.Service, inStatus); err == nil {
			before, held = restored, true
		} else if _, seen := a.conflicts[key]; !seen {
			a.conflicts[key] = err.Error()
		}
	}
	if c, ok := a.conflicts[key]; ok && !held {
		out.conflict = c
	}
	req := w.Request
	req.ReplaceOrphan = reassignOrphans
	got, err := a.alloc.Assign(w.Service, req)
	out.err = err
	if err != nil {
		if held {
			got = before
		}
	} else {
		delete(a.pending, key)
		delete(a.conflicts, key)
	}
	out.assignment = got
	out.changed = !held || before.Pool != got.Pool || !slices.Equal(before.Addrs, got.Addrs)
	if err != nil && !held {
		out.changed = false
	}
	if held && before.Pool != got.Pool {
		out.released = before.Pool
	}
	for _, ip := range before.Addrs {
		if held && !slices.Contains(got.Addrs, ip) {
			out.freed = true
		}
	}
	out.orphan = held && got.Pool == ""
	if held {
		out.before = before
	}
	if err == nil && !out.orphan {
		delete(a.reported, key)
	}
	return out
}

func (a *Allocations) release(key string) (ipam.Assignment, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.pending, key)
	delete(a.conflicts, key)
	delete(a.reported, key)
	got, held := a.alloc.Lookup(key)
	if !held {
		return ipam.Assignment{}, false
	}
	a.alloc.Release(key)
	return got, true
}

// firstReport records what was last reported about a Service and says
// whether this is news. Waiting Services are retried on every pool change
// and release; without this each retry would repeat the same event and log
// line.
func (a *Allocations) firstReport(key, what string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if last, ok := a.reported[key]; ok && last == what {
		return false
	}
	a.reported[key] = what
	return true
}

func (a *Allocations) lookup(key string) (ipam.Assignment, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.alloc.Lookup(key)
}

func (a *Allocations) markPending(key string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, held := a.alloc.Lookup(key); !held {
		a.pending[key] = struct{}{}
	}
}
