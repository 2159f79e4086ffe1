package speaker

import (
	"context"
	"log/slog"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// initialPassTimeout bounds the wait for the first decision on every
// Service: a Service that keeps failing must not keep BGP down.
const initialPassTimeout = 15 * time.Second

// initialPass tells when every Service that existed at start has been
// decided once. BGP sessions open only then: a router that kept this
// node's routes over a restart (graceful restart) drops every route the
// node does not send again before its End-of-RIB, and GoBGP sends that
// straight after the routes it holds when the session comes up. Opening
// the sessions first would withdraw, for a moment, every Service not yet
// decided.
type initialPass struct {
	done chan struct{}

	mu      sync.Mutex
	pending map[string]bool // nil until the Services are listed
	early   map[string]bool // decided before the list was read
	closed  bool
}

// syncWaiter is the part of the manager's cache the pass waits for.
type syncWaiter interface {
	WaitForCacheSync(ctx context.Context) bool
}

func newInitialPass() *initialPass {
	return &initialPass{done: make(chan struct{}), early: map[string]bool{}}
}

// Done is closed once the pass is over.
func (p *initialPass) Done() <-chan struct{} { return p.done }

// decided records that the Service "namespace/name" was decided.
func (p *initialPass) decided(key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	if p.pending == nil {
		p.early[key] = true
		return
	}
	delete(p.pending, key)
	p.closeIfDone()
}

// start lists the Services once the cache has synced and closes Done when
// each has been decided, or after timeout.
func (p *initialPass) start(ctx context.Context, c syncWaiter, r client.Reader, timeout time.Duration, log *slog.Logger) {
	timer := time.AfterFunc(timeout, func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if !p.closed {
			log.Warn("opening BGP sessions before every Service was decided", "waited", timeout, "undecided", len(p.pending))
			p.closed = true
			close(p.done)
		}
	})
	go func() {
		if !c.WaitForCacheSync(ctx) {
			timer.Stop()
			return
		}
		var list corev1.ServiceList
		if err := r.List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
			log.Warn("listing Services for the first pass", "error", err)
			return // the timer ends the pass
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		p.pending = make(map[string]bool, len(list.Items))
		for i := range list.Items {
			key := client.ObjectKeyFromObject(&list.Items[i]).String()
			if !p.early[key] {
				p.pending[key] = true
			}
		}
		p.early = nil
		p.closeIfDone()
	}()
}

func (p *initialPass) closeIfDone() {
	if len(p.pending) == 0 && !p.closed {
		p.closed = true
		close(p.done)
	}
}
