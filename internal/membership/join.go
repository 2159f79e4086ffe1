package membership

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// A join round contacts at most joinPerRound peers, joinBatch at a time,
// and re-reads the live set between batches. One successful push-pull
// brings the full membership of that peer's side, so at start-up the first
// batch usually settles everything; the caps keep a round short when many
// listed peers are gone (each costs up to TCPTimeout), and the random order
// reaches all of them over successive rounds.
const (
	joinBatch    = 4
	joinPerRound = 16
)

// Join makes addrs the peers to stay joined with — it replaces the list of
// the previous call, so a deleted Node is no longer tried — and joins those
// of them that have no live member now. The caller passes the InternalIPs
// of all Nodes whenever they change; repeating a call is harmless. An
// address is "ip" (on BindPort) or "ip:port"; this member's own address is
// skipped.
//
// The error wraps ErrNoPeer when peers were tried and none answered, which
// is normal for the first speaker of a cluster, and lists malformed
// addresses; valid addresses are used either way, and the rejoin loop keeps
// trying every RejoinInterval.
func (m *Members) Join(addrs []string) error {
	peers, parseErr := m.parsePeers(addrs)
	m.mu.Lock()
	if m.state != running {
		m.mu.Unlock()
		return ErrClosed
	}
	m.peers = peers
	m.mu.Unlock()

	tried, reached, errs := m.joinRound()
	var joinErr error
	if tried > 0 && reached == 0 {
		joinErr = fmt.Errorf("%w of %d: %w", ErrNoPeer, tried, errors.Join(errs...))
	}
	if err := errors.Join(parseErr, joinErr); err != nil {
		return fmt.Errorf("membership: join: %w", err)
	}
	return nil
}

// parsePeers parses and deduplicates addresses, dropping this member's own.
func (m *Members) parsePeers(addrs []string) ([]netip.AddrPort, error) {
	var errs []error
	seen := make(map[netip.AddrPort]bool, len(addrs))
	peers := make([]netip.AddrPort, 0, len(addrs))
	for _, s := range addrs {
		ap, err := parsePeer(strings.TrimSpace(s), uint16(m.o.BindPort))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if ap == m.self || seen[ap] {
			continue
		}
		seen[ap] = true
		peers = append(peers, ap)
	}
	return peers, errors.Join(errs...)
}

// parsePeer accepts "ip", "ip:port" and "[ipv6]:port"; a bare IPv6 address
// has colons too, so the address form is tried first.
func parsePeer(s string, port uint16) (netip.AddrPort, error) {
	if a, err := netip.ParseAddr(s); err == nil {
		if a.Zone() != "" {
			return netip.AddrPort{}, fmt.Errorf("peer %q: zones are not supported", s)
		}
		return netip.AddrPortFrom(a.Unmap(), port), nil
	}
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("peer %q: not an ip or ip:port", s)
	}
	if ap.Port() == 0 || ap.Addr().Zone() != "" {
		return netip.AddrPort{}, fmt.Errorf("peer %q: port 0 or zone", s)
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), nil
}

// rejoinLoop runs a join round every RejoinInterval; see "Healing" in the
// package documentation.
func (m *Members) rejoinLoop(ctx context.Context) {
	defer close(m.done)
	t := time.NewTicker(m.o.RejoinInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-m.stop:
			return
		case <-t.C:
			if tried, reached, errs := m.joinRound(); tried > 0 {
				m.log.Debug("rejoin round", "tried", tried, "reached", reached, "error", errors.Join(errs...))
			}
		}
	}
}

// joinRound joins listed peers that have no live member, in random order,
// and returns how many it tried and reached.
func (m *Members) joinRound() (tried, reached int, errs []error) {
	m.joinMu.Lock()
	defer m.joinMu.Unlock()
	m.mu.Lock()
	peers := m.peers
	m.mu.Unlock()

	order := rand.Perm(len(peers))
	for len(order) > 0 && tried < joinPerRound {
		select {
		case <-m.stop:
			return tried, reached, errs
		default:
		}
		live := m.liveAddrs()
		var batch []netip.AddrPort
		for len(order) > 0 && len(batch) < min(joinBatch, joinPerRound-tried) {
			p := peers[order[0]]
			order = order[1:]
			if !live[p] {
				batch = append(batch, p)
			}
		}
		if len(batch) == 0 {
			break
		}
		tried += len(batch)
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, p := range batch {
			wg.Go(func() {
				_, err := m.ml.Join([]string{p.String()})
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", p, err))
				} else {
					reached++
				}
			})
		}
		wg.Wait()
	}
	return tried, reached, errs
}

// liveAddrs returns the addresses of the live members.
func (m *Members) liveAddrs() map[netip.AddrPort]bool {
	nodes := m.ml.Members()
	live := make(map[netip.AddrPort]bool, len(nodes))
	for _, n := range nodes {
		if a, ok := netip.AddrFromSlice(n.Addr); ok {
			live[netip.AddrPortFrom(a.Unmap(), n.Port)] = true
		}
	}
	return live
}
