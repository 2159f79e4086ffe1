package speaker

import (
	"context"
	"log/slog"
	"maps"
	"net"
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
// Service changes costs one SetDesired. Addresses this node gives up while
// it lives are handed over (speaker.Handover): answered until the
// successor is heard claiming them.
type applier struct {
	ann    announcer
	log    *slog.Logger
	now    func() time.Time
	kick   chan struct{}
	notify func(service string) // a Service whose owned addresses changed

	mu       sync.Mutex
	mine     map[string][]speaker.Announcement // Service -> announcements this node owns
	handover *speaker.Handover
	gate     bool // false until the join grace is over
	closing  bool // handing everything over on the way out
}

func newApplier(ann announcer, h *speaker.Handover, log *slog.Logger, now func() time.Time, notify func(string)) *applier {
	return &applier{
		ann: ann, log: log, now: now, notify: notify, handover: h,
		kick: make(chan struct{}, 1),
		mine: map[string][]speaker.Announcement{},
	}
}

// set records a Service's announcements owned by this node. Addresses it
// no longer owns are handed over: this node is alive, so it answers until
// the successor does.
func (a *applier) set(service string, owned []speaker.Announcement) {
	a.mu.Lock()
	if a.closing {
		owned = nil
	}
	old := a.mine[service]
	now := a.now()
	for _, o := range old {
		if slices.ContainsFunc(owned, func(n speaker.Announcement) bool { return n.Addr == o.Addr }) {
			continue
		}
		a.release(service, o, now)
	}
	for _, n := range owned {
		a.handover.Keep(n.Addr)
		if !slices.ContainsFunc(old, func(o speaker.Announcement) bool { return o.Addr == n.Addr }) {
			a.log.Info("announcing", "service", service, "address", n.Addr, "interface", ifaceList(n.Interfaces))
		}
	}
	if len(owned) == 0 {
		delete(a.mine, service)
	} else {
		a.mine[service] = owned
	}
	a.mu.Unlock()
	a.poke()
}

// release hands one address over. The caller holds mu.
func (a *applier) release(service string, an speaker.Announcement, now time.Time) {
	if a.handover.Release(an.Addr, service, an.Interfaces, now) {
		a.log.Info("handing over", "service", service, "address", an.Addr, "timeout", a.handover.Timeout)
		return
	}
	a.log.Info("stopped announcing", "service", service, "address", an.Addr, "reason", "another node answers for it")
}

// claimed is told of another node's claim of addr, heard on the wire.
func (a *applier) claimed(addr netip.Addr, mac net.HardwareAddr) {
	a.mu.Lock()
	l, ended := a.handover.Claimed(addr, a.now())
	a.mu.Unlock()
	if ended {
		a.log.Info("handed over", "service", l.Service, "address", addr, "successor", mac.String())
		a.poke()
	}
}

// open lets announcements through once the speaker has met its peers.
func (a *applier) open() {
	a.mu.Lock()
	a.gate = true
	a.mu.Unlock()
	a.poke()
}

// shut stops answering for anything until open is called again, without
// forgetting what this node owns. Hand-overs end: a frozen node may have
// slept through its successors' claims.
func (a *applier) shut() {
	a.mu.Lock()
	a.gate = false
	for addr := range a.handover.Lingering() {
		a.handover.Keep(addr)
	}
	a.mu.Unlock()
	a.poke()
}

// handOverAll gives every address up, as a stopping node does, and waits
// until each was claimed by a successor or timed out.
func (a *applier) handOverAll(ctx context.Context) {
	a.mu.Lock()
	a.closing = true
	now := a.now()
	for svc, anns := range a.mine {
		for _, an := range anns {
			a.release(svc, an, now)
		}
	}
	a.mine = map[string][]speaker.Announcement{}
	a.mu.Unlock()
	a.poke()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		a.mu.Lock()
		n := a.handover.Len()
		a.mu.Unlock()
		if n == 0 {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// dropAll stops answering for everything at once, without a hand-over.
func (a *applier) dropAll() {
	a.mu.Lock()
	a.mine = map[string][]speaker.Announcement{}
	for addr := range a.handover.Lingering() {
		a.handover.Keep(addr)
	}
	a.mu.Unlock()
}

func (a *applier) poke() {
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

// run applies the table whenever it changes or a hand-over times out.
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
	expired, next := a.handover.Expire(a.now())
	lingering := a.handover.Lingering()
	if a.gate {
		for svc, anns := range a.mine {
			for _, an := range anns {
				want[an.Addr] = an.Interfaces
				services[an.Addr] = svc
			}
		}
		for addr, l := range lingering {
			if _, ok := want[addr]; !ok {
				want[addr] = l.Interfaces
			}
		}
	}
	a.mu.Unlock()
	for _, addr := range expired {
		a.log.Info("handed over without hearing a successor", "address", addr, "timeout", a.handover.Timeout)
	}
	if next == 0 {
		next = time.Hour
	}

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

func ifaceList(ifaces []string) any {
	if len(ifaces) == 0 {
		return "any"
	}
	return ifaces
}
