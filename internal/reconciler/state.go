package reconciler

import (
	"context"
	"fmt"
	"slices"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/config"
	"github.com/farol-lb/farol/internal/ipam"
)

// Allocations is the controller's one source of truth about who holds which
// address. The Service and AddressPool reconcilers share it; it owns the
// allocator and the lock around it, and tells each reconciler when the other
// made work for it (through the channels).
type Allocations struct {
	mu sync.Mutex
	// live reads the cluster itself, not the informer cache: a replica
	// that just became leader may not have seen the previous leader's
	// last writes in its cache yet, and an address it does not load it
	// may hand out again.
	live   client.Reader
	alloc  *ipam.Allocator
	pools  []config.PoolState
	loaded bool
	// pending holds Services that wait for an address, so a pool change
	// or a release retries exactly those.
	pending map[string]struct{}
	// conflicts remembers, for a Service whose restored address was
	// already taken at start, who took it (for the event).
	conflicts map[string]string
	// reported is the last failure or orphan notice per Service, so each
	// is reported once (see firstReport).
	reported map[string]string

	// poolEvents asks the pool reconciler to refresh a pool's status.
	poolEvents chan event.GenericEvent
	// serviceEvents asks the Service reconciler to look at a Service again.
	serviceEvents chan event.GenericEvent
}

// NewAllocations returns empty state; it loads itself from the cluster on
// first use, through live (an uncached reader such as the manager's API
// reader).
func NewAllocations(live client.Reader) *Allocations {
	return &Allocations{
		live:          live,
		alloc:         ipam.New(),
		pending:       map[string]struct{}{},
		conflicts:     map[string]string{},
		reported:      map[string]string{},
		poolEvents:    make(chan event.GenericEvent, 1024),
		serviceEvents: make(chan event.GenericEvent, 1024),
	}
}

// ensureLoaded rebuilds the allocator from the cluster before anything is
// assigned: pools first, then every address already written in Service
// status, oldest Service first so that on a double claim the older one keeps
// the address. Runs once per process, after this replica became leader
// (reconcilers only run then).
func (a *Allocations) ensureLoaded(ctx context.Context, ours func(*corev1.Service) bool) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.loaded {
		return nil
	}
	var pools farolv1.AddressPoolList
	if err := a.live.List(ctx, &pools); err != nil {
		return fmt.Errorf("list address pools: %w", err)
	}
	a.pools = config.BuildPools(pools.Items)
	if err := a.alloc.SetPools(config.Pools(a.pools)); err != nil {
		return fmt.Errorf("load address pools: %w", err)
	}
	var svcs corev1.ServiceList
	if err := a.live.List(ctx, &svcs); err != nil {
		return fmt.Errorf("list services: %w", err)
	}
	for key, why := range config.Restore(a.alloc, svcs.Items, ours) {
		a.conflicts[key] = why
	}
	a.loaded = true
	return nil
}

// syncPools applies a new pool configuration and reports whether anything
// the allocator sees changed.
func (a *Allocations) syncPools(items []farolv1.AddressPool) ([]config.PoolState, bool, error) {
	states := config.BuildPools(items)
	a.mu.Lock()
	defer a.mu.Unlock()
	if samePools(a.pools, states) {
		return states, false, nil
	}
	if err := a.alloc.SetPools(config.Pools(states)); err != nil {
		return states, false, fmt.Errorf("apply address pools: %w", err)
	}
	a.pools = states
	return states, true, nil
}

// samePools compares what the allocator was given: a pool's spec is
// summed up by its generation, and its verdict by reason and rival.
func samePools(a, b []config.PoolState) bool {
	return slices.EqualFunc(a, b, func(x, y config.PoolState) bool {
		return x.Pool.Name == y.Pool.Name && x.Generation == y.Generation &&
			x.Reason == y.Reason && x.OverlapsWith == y.OverlapsWith
	})
}

// retryWaiting asks the Service reconciler to look again at every Service
// that waits for an address and, after a pool change, at those holding one
// outside every pool (listing them costs a pass over all Services, so a
// mere release does not).
func (a *Allocations) retryWaiting(orphansToo bool) {
	a.mu.Lock()
	keys := make([]string, 0, len(a.pending))
	for k := range a.pending {
		keys = append(keys, k)
	}
	if orphansToo {
		keys = append(keys, a.alloc.Orphans()...)
	}
	a.mu.Unlock()
	for _, k := range keys {
		a.serviceEvents <- event.GenericEvent{Object: objectForKey(k)}
	}
}

// touchPool asks the pool reconciler to refresh a pool's status soon; the
// work queue coalesces a burst of these into one write.
func (a *Allocations) touchPool(name string) {
	if name == "" {
		return
	}
	select {
	case a.poolEvents <- event.GenericEvent{Object: &farolv1.AddressPool{ObjectMeta: objectMeta("", name)}}:
	default:
		// The queue is full of refreshes already; one of them will do.
	}
}
