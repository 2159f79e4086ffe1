package integration

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

// oneMember is the membership of a speaker that is alone: the tests here
// look at its Kubernetes side, not at gossip.
type oneMember struct {
	name    string
	changes chan struct{}
}

var _ speaker.Members = (*oneMember)(nil)

func (m *oneMember) Live() []string { return []string{m.name} }
func (m *oneMember) Protocols() map[string]int {
	return map[string]int{m.name: int(election.LatestProtocol)}
}
func (m *oneMember) Changes() <-chan struct{}  { return m.changes }
func (m *oneMember) Refuted() <-chan struct{}  { return nil }
func (m *oneMember) Join([]string) error       { return nil }
func (m *oneMember) Resync() (int, error)      { return 1, nil }
func (m *oneMember) Leave(time.Duration) error { return nil }
func (m *oneMember) Close() error              { return nil }

// noLayer2 answers for nothing.
type noLayer2 struct{}

var _ speaker.Layer2 = noLayer2{}

func (noLayer2) Change(map[netip.Addr][]string, []netip.Addr) error { return nil }
func (noLayer2) Answered(...netip.Addr) map[netip.Addr][]string     { return nil }
func (noLayer2) Reannounce()                                        {}
func (noLayer2) Close() error                                       { return nil }

// peersSeen stands in for the BGP announcer: it keeps the peers it was
// given, and when, and reports each as a session that is trying to
// connect (what a real one shows before the router answers).
type peersSeen struct {
	mu    sync.Mutex
	peers []bgp.Peer
	at    time.Time
}

var _ speaker.BGP = (*peersSeen)(nil)

func (b *peersSeen) SetPeers(_ context.Context, peers []bgp.Peer) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !slices.Equal(peers, b.peers) {
		b.peers, b.at = slices.Clone(peers), time.Now()
	}
	return nil
}

func (b *peersSeen) Change(context.Context, []bgp.Path, []netip.Prefix) error { return nil }
func (b *peersSeen) Shutdown(context.Context) error                           { return nil }

func (b *peersSeen) Sessions(context.Context) ([]bgp.Session, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []bgp.Session
	for _, p := range b.peers {
		out = append(out, bgp.Session{Peer: p.Name, Address: p.Address, State: "active"})
	}
	return out, nil
}

// password returns the password the peer was last configured with, and
// when; false while it is not configured.
func (b *peersSeen) password(name string) (string, time.Time, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.peers {
		if p.Name == name {
			return p.Password, b.at, true
		}
	}
	return "", time.Time{}, false
}
