package speaker

import (
	"context"
	"log/slog"
	"maps"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/farol-lb/farol/internal/speaker"
)

// announcer is what the applier needs of the L2 responders.
type announcer interface {
	SetDesired(want map[netip.Addr][]string) error
	Owned() map[netip.Addr][]string
}

// applier keeps the table of what this node must answer for, per Service,
// and converges the announcer to it in a loop of its own, so a burst of
// Service changes costs one SetDesired. Addresses this node stops owning
// while it lives linger for the handover delay.
type applier struct {
	ann    announcer
	delay  time.Duration
	log    *slog.Logger
	kick   chan struct{}
	notify func(service string) // a Service whose owned addresses changed

	mu     sync.Mutex
	mine   map[string][]speaker.Announcement // Service -> announcements this node owns
	linger map[netip.Addr]lingering
	gate   bool // false until the join grace is over
}

type lingering struct {
	service string
	ifaces  []string
	until   time.Time
}

func newApplier(ann announcer, delay time.Duration, log *slog.Logger, notify func(string)) *applier {
	return &applier{
		ann: ann, delay: delay, log: log, notify: notify,
		kick:   make(chan struct{}, 1),
		mine:   map[string][]speaker.Announcement{},
		linger: map[netip.Addr]lingering{},
	}
}

// set records a Service's announcements owned by this node. Addresses it
// no longer owns linger: this node is alive, so it hands them over.
func (a *applier) set(service string, owned []speaker.Announcement) {
	a.mu.Lock()
	old := a.mine[service]
	for _, o := range old {
		if !slices.ContainsFunc(owned, func(n speaker.Announcement) bool { return n.Addr == o.Addr }) {
			a.linger[o.Addr] = lingering{service: service, ifaces: o.Interfaces, until: time.Now().Add(a.delay)}
		}
	}
	for _, n := range owned {
		delete(a.linger, n.Addr)
	}
	if len(owned) == 0 {
		delete(a.mine, service)
	} else {
		a.mine[service] = owned
	}
	a.mu.Unlock()
	a.poke()
}

// open lets announcements through once the speaker has met its peers.
func (a *applier) open() {
	a.mu.Lock()
	a.gate = true
	a.mu.Unlock()
	a.poke()
}

// dropAll forgets everything at once, without lingering: used on the way
// out after the handover.
func (a *applier) dropAll() {
	a.mu.Lock()
	a.mine = map[string][]speaker.Announcement{}
	a.linger = map[netip.Addr]lingering{}
	a.mu.Unlock()
}

func (a *applier) poke() {
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

// run applies the table whenever it changes or a lingering address expires.
func (a *applier) run(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.kick:
		case <-timer.C:
		}
		next := a.apply()
		timer.Reset(next)
	}
}

// apply converges the announcer and returns when to look again.
func (a *applier) apply() time.Duration {
	a.mu.Lock()
	want := map[netip.Addr][]string{}
	services := map[netip.Addr]string{}
	next := time.Hour
	now := time.Now()
	if a.gate {
		for svc, anns := range a.mine {
			for _, an := range anns {
				want[an.Addr] = an.Interfaces
				services[an.Addr] = svc
			}
		}
		for addr, l := range a.linger {
			if !now.Before(l.until) {
				delete(a.linger, addr)
				continue
			}
			if _, ok := want[addr]; !ok {
				want[addr] = l.ifaces
			}
			next = min(next, l.until.Sub(now))
		}
	}
	a.mu.Unlock()

	before := a.ann.Owned()
	if err := a.ann.SetDesired(want); err != nil {
		a.log.Warn("announcing", "error", err)
	}
	after := a.ann.Owned()
	// Tell the Services whose answered addresses changed, so they record
	// who announces them.
	changed := map[string]bool{}
	for addr, ifaces := range after {
		if old, ok := before[addr]; !ok || !slices.Equal(old, ifaces) {
			changed[services[addr]] = true
		}
	}
	for _, svc := range slices.Sorted(maps.Keys(changed)) {
		if svc != "" {
			a.notify(svc)
		}
	}
	return next
}
