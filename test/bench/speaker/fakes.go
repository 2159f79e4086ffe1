package main

import (
	"context"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/farol-lb/farol/internal/announce/bgp"
	"github.com/farol-lb/farol/internal/app/speaker"
	"github.com/farol-lb/farol/internal/election"
)

// members stands in for memberlist: every Node is a live speaker, and the
// bench takes nodes out to simulate one leaving.
type members struct {
	mu      sync.Mutex
	live    []string
	changes chan struct{}
	refuted chan struct{}
}

var _ speaker.Members = (*members)(nil)

func newMembers(live []string) *members {
	return &members{live: slices.Clone(live), changes: make(chan struct{}, 1), refuted: make(chan struct{})}
}

// Live returns a fresh slice, as memberlist does.
func (m *members) Live() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.live)
}

// Protocols: every simulated speaker runs this build.
func (m *members) Protocols() map[string]int {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]int, len(m.live))
	for _, n := range m.live {
		out[n] = int(election.LatestProtocol)
	}
	return out
}

func (m *members) Changes() <-chan struct{}  { return m.changes }
func (m *members) Refuted() <-chan struct{}  { return m.refuted }
func (m *members) Join([]string) error       { return nil }
func (m *members) Leave(time.Duration) error { return nil }
func (m *members) Close() error              { return nil }

func (m *members) Resync() (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.live), nil
}

// remove takes a node out of the live set and notifies, coalescing like
// memberlist.
func (m *members) remove(name string) {
	m.mu.Lock()
	m.live = slices.DeleteFunc(m.live, func(n string) bool { return n == name })
	m.mu.Unlock()
	select {
	case m.changes <- struct{}{}:
	default:
	}
}

// layer2 stands in for the ARP/NDP responders: it answers for exactly what
// it is given, and records how often and how much it was given.
type layer2 struct {
	mu       sync.Mutex
	owned    map[netip.Addr][]string
	calls    int       // Change calls
	applied  int       // addresses passed to Change, summed over calls
	changes  int       // calls whose table differed from the one before
	lastCall time.Time // time of the latest Change
}

var _ speaker.Layer2 = (*layer2)(nil)

func newLayer2() *layer2 { return &layer2{owned: map[netip.Addr][]string{}} }

// Change applies part of the table, as the real responders do.
func (l *layer2) Change(set map[netip.Addr][]string, unset []netip.Addr) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls++
	l.applied += len(set) + len(unset)
	l.lastCall = time.Now()
	changed := false
	for _, a := range unset {
		if _, ok := l.owned[a]; ok {
			delete(l.owned, a)
			changed = true
		}
	}
	for a, ifaces := range set {
		if old, ok := l.owned[a]; !ok || !slices.Equal(old, ifaces) {
			changed = true
		}
		l.owned[a] = slices.Clone(ifaces)
	}
	if changed {
		l.changes++
	}
	return nil
}

// Answered reports the given addresses that are answered; a fake
// interface name stands for "any".
func (l *layer2) Answered(addrs ...netip.Addr) map[netip.Addr][]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[netip.Addr][]string, len(addrs))
	for _, a := range addrs {
		if ifaces, ok := l.owned[a]; ok {
			if len(ifaces) == 0 {
				ifaces = []string{"eth0"}
			}
			out[a] = slices.Clone(ifaces)
		}
	}
	return out
}

func (l *layer2) Reannounce()  {}
func (l *layer2) Close() error { return nil }

// l2State is a snapshot of the fake responders' counters.
type l2State struct {
	calls, applied, changes int
	lastCall                time.Time
	owned                   map[netip.Addr]bool
}

func (l *layer2) state() l2State {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l2State{calls: l.calls, applied: l.applied, changes: l.changes, lastCall: l.lastCall, owned: map[netip.Addr]bool{}}
	for a := range l.owned {
		s.owned[a] = true
	}
	return s
}

// diff counts the addresses gained and lost between two snapshots.
func (s l2State) diff(later l2State) (gained, lost int) {
	for a := range later.owned {
		if !s.owned[a] {
			gained++
		}
	}
	for a := range s.owned {
		if !later.owned[a] {
			lost++
		}
	}
	return gained, lost
}

// bgpPaths stands in for the BGP announcer (FAROL_BENCH_BGP): it keeps
// the prefixes it is told to advertise and counts the calls.
type bgpPaths struct {
	mu      sync.Mutex
	calls   int
	routes  map[netip.Prefix]bool
	changed int // prefixes set or unset, summed over calls
}

var _ speaker.BGP = (*bgpPaths)(nil)

func newBGPPaths() *bgpPaths { return &bgpPaths{routes: map[netip.Prefix]bool{}} }

func (b *bgpPaths) SetPeers(context.Context, []bgp.Peer) error { return nil }
func (b *bgpPaths) Shutdown(context.Context) error             { return nil }

func (b *bgpPaths) Change(_ context.Context, set []bgp.Path, unset []netip.Prefix) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls++
	b.changed += len(set) + len(unset)
	for _, p := range set {
		b.routes[p.Prefix] = true
	}
	for _, p := range unset {
		delete(b.routes, p)
	}
	return nil
}

// bgpState is a snapshot of the fake announcer's counters.
type bgpState struct{ calls, changed, routes int }

func (b *bgpPaths) state() bgpState {
	if b == nil {
		return bgpState{}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return bgpState{calls: b.calls, changed: b.changed, routes: len(b.routes)}
}
