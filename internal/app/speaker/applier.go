package speaker

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/farol-lb/farol/internal/decision"
)

// applier keeps the table of what this node must answer for, per Service,
// and converges the announcer to it in a loop of its own. It tracks which
// addresses changed since the last round and hands the announcer those
// alone, so a Service's change costs work for its own addresses, and a
// burst of changes costs one round. Addresses this node gives up while it
// lives are handed over (decision.Handover): answered until the successor
// is heard claiming them.
type applier struct {
	ann    Layer2
	log    *slog.Logger
	now    func() time.Time
	kick   chan struct{}
	notify func(service string) // a Service whose answered addresses changed

	mu       sync.Mutex
	mine     map[string][]decision.Announcement // Service -> announcements this node owns
	byAddr   map[netip.Addr]ownedAddr           // the same, by address
	applied  map[netip.Addr][]string            // what the announcer was last told
	dirty    map[netip.Addr]struct{}            // addresses to look at in the next round
	handover *decision.Handover
	gate     bool // false until the join grace is over, and while frozen
	closing  bool // handing everything over on the way out
}

type ownedAddr struct {
	service string
	ifaces  []string
}

func newApplier(ann Layer2, h *decision.Handover, log *slog.Logger, now func() time.Time, notify func(string)) *applier {
	return &applier{
		ann: ann, log: log, now: now, notify: notify, handover: h,
		kick:    make(chan struct{}, 1),
		mine:    map[string][]decision.Announcement{},
		byAddr:  map[netip.Addr]ownedAddr{},
		applied: map[netip.Addr][]string{},
		dirty:   map[netip.Addr]struct{}{},
	}
}

// set records a Service's announcements owned by this node. Addresses it
// no longer owns are handed over: this node is alive, so it answers until
// the successor does.
func (a *applier) set(service string, mine []decision.Announcement) {
	a.mu.Lock()
	if a.closing {
		mine = nil
	}
	old := a.mine[service]
	now := a.now()
	for _, o := range old {
		if slices.ContainsFunc(mine, func(n decision.Announcement) bool { return n.Addr == o.Addr }) {
			continue
		}
		delete(a.byAddr, o.Addr)
		a.dirty[o.Addr] = struct{}{}
		a.release(service, o, now)
	}
	for _, n := range mine {
		a.handover.Keep(n.Addr)
		a.dirty[n.Addr] = struct{}{}
		a.byAddr[n.Addr] = ownedAddr{service: service, ifaces: n.Interfaces}
		if !slices.ContainsFunc(old, func(o decision.Announcement) bool { return o.Addr == n.Addr }) {
			a.log.Info("announcing", "service", service, "address", n.Addr, "interface", ifaceList(n.Interfaces))
		}
	}
	if len(mine) == 0 {
		delete(a.mine, service)
	} else {
		a.mine[service] = mine
	}
	a.mu.Unlock()
	a.poke()
}

// release hands one address over. The caller holds mu.
func (a *applier) release(service string, an decision.Announcement, now time.Time) {
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
	if ended {
		a.dirty[addr] = struct{}{}
	}
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
	a.markAll()
	a.mu.Unlock()
	a.poke()
}

// shut stops answering for anything until open is called again, without
// forgetting what this node owns. Hand-overs end: a frozen node may have
// slept through its successors' claims.
func (a *applier) shut() {
	a.mu.Lock()
	a.gate = false
	a.handover.Clear()
	a.markAll()
	a.mu.Unlock()
	a.poke()
}

// markAll marks every address owned, lingering or applied. The caller
// holds mu.
func (a *applier) markAll() {
	for addr := range a.byAddr {
		a.dirty[addr] = struct{}{}
	}
	for addr := range a.handover.Lingering() {
		a.dirty[addr] = struct{}{}
	}
	for addr := range a.applied {
		a.dirty[addr] = struct{}{}
	}
}

// handOverAll gives every address up, as a stopping node does, and waits
// until each was claimed by a successor or timed out.
func (a *applier) handOverAll(ctx context.Context) {
	a.mu.Lock()
	a.closing = true
	now := a.now()
	for svc, anns := range a.mine {
		for _, an := range anns {
			delete(a.byAddr, an.Addr)
			a.dirty[an.Addr] = struct{}{}
			a.release(svc, an, now)
		}
	}
	a.mine = map[string][]decision.Announcement{}
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
	a.mine = map[string][]decision.Announcement{}
	a.byAddr = map[netip.Addr]ownedAddr{}
	a.handover.Clear()
	a.markAll()
	a.mu.Unlock()
}

func (a *applier) poke() {
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

// run applies the changes whenever there are some or a hand-over times out.
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

// apply converges the changed addresses and returns when to look again.
func (a *applier) apply() time.Duration {
	a.mu.Lock()
	expired, next := a.handover.Expire(a.now())
	for _, addr := range expired {
		a.dirty[addr] = struct{}{}
	}
	lingering := a.handover.Lingering()
	set := map[netip.Addr][]string{}
	var unset []netip.Addr
	var notify []string
	for addr := range a.dirty {
		want, ok := []string(nil), false
		if a.gate {
			if o, mine := a.byAddr[addr]; mine {
				want, ok = o.ifaces, true
				notify = append(notify, o.service)
			} else if l, lingers := lingering[addr]; lingers {
				want, ok = l.Interfaces, true
			}
		}
		have, had := a.applied[addr]
		switch {
		case ok && (!had || !slices.Equal(have, want)):
			set[addr] = want
			a.applied[addr] = want
		case !ok && had:
			unset = append(unset, addr)
			delete(a.applied, addr)
		}
	}
	clear(a.dirty)
	a.mu.Unlock()
	for _, addr := range expired {
		a.log.Info("handed over without hearing a successor", "address", addr, "timeout", a.handover.Timeout)
	}
	if next == 0 {
		next = time.Hour
	}
	if len(set) == 0 && len(unset) == 0 {
		return next
	}
	if err := a.ann.Change(set, unset); err != nil {
		a.log.Warn("announcing", "error", err)
	}
	// The Services whose addresses this node now answers record it.
	slices.Sort(notify)
	for _, svc := range slices.Compact(notify) {
		a.notify(svc)
	}
	return next
}

func ifaceList(ifaces []string) any {
	if len(ifaces) == 0 {
		return "any"
	}
	return ifaces
}
