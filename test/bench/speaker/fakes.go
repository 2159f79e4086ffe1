package main

import (
	"maps"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/farol-lb/farol/internal/app/speaker"
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
	calls    int       // SetDesired calls
	applied  int       // addresses passed to SetDesired, summed over calls
	changes  int       // calls whose table differed from the one before
	lastCall time.Time // time of the latest SetDesired
}

var _ speaker.Layer2 = (*layer2)(nil)

func newLayer2() *layer2 { return &layer2{owned: map[netip.Addr][]string{}} }

func (l *layer2) SetDesired(want map[netip.Addr][]string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls++
	l.applied += len(want)
	l.lastCall = time.Now()
	if !maps.EqualFunc(want, l.owned, slices.Equal) {
		l.changes++
	}
	l.owned = make(map[netip.Addr][]string, len(want))
	for a, ifaces := range want {
		l.owned[a] = slices.Clone(ifaces)
	}
	return nil
}

func (l *layer2) Owned() map[netip.Addr][]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[netip.Addr][]string, len(l.owned))
	for a, ifaces := range l.owned {
		out[a] = slices.Clone(ifaces)
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
