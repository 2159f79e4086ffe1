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
// Join blocks while it contacts peers: at most four rounds of TCPTimeout
// when every listed peer is unreachable, milliseconds otherwise. The error
// wraps ErrNoPeer when peers were tried and none answered, which
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
		joinErr = fmt.Errorf("%w (%d tried): %w", ErrNoPeer, tried, errors.Join(errs...))
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
		case <-m.view.kick:
			m.welcome()
		}
	}
}

// welcomeFanout is how many members, in expectation, welcome a joiner.
const welcomeFanout = 3

// welcome exchanges full state with members that just joined (or came
// back), each with probability welcomeFanout/n. Without it a member that
// restarts, or is cut off and reconnected, can stay one-sided: its
// refutation rides on an ack, so the others see it alive again and stop
// rejoining it, while it hears of them only at a random push-pull, 15 s or
// more later. A rejoin round cannot help when the returning member has no
// peer list of its own yet. The probability keeps a large cluster at about
// three exchanges per join instead of one per member.
func (m *Members) welcome() {
	addrs, n := m.view.takeWelcome()
	p := float64(welcomeFanout) / float64(max(n-1, 1))
	var pick []netip.AddrPort
	for _, a := range addrs {
		if a != m.self && rand.Float64() < p {
			pick = append(pick, a)
		}
	}
	if len(pick) == 0 {
		return
	}
	m.joinMu.Lock()
	defer m.joinMu.Unlock()
	_, errs := m.joinAll(pick)
	m.log.Debug("welcomed members", "addresses", pick, "error", errors.Join(errs...))
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
		live := m.view.addrs()
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
		n, e := m.joinAll(batch)
		reached += n
		errs = append(errs, e...)
	}
	return tried, reached, errs
}

// joinAll exchanges state with every address in parallel, and returns how
// many answered and the errors of the others.
func (m *Members) joinAll(addrs []netip.AddrPort) (reached int, errs []error) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, a := range addrs {
		wg.Go(func() {
			_, err := m.ml.Join([]string{a.String()})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", a, err))
			} else {
				reached++
			}
		})
	}
	wg.Wait()
	return reached, errs
}

// Resync exchanges full state with up to joinBatch live members, picked at
// random. A member that was frozen or cut off longer than failure detection
// calls it on its return: it still counts the others alive and they no
// longer count it, so no rejoin round would contact anyone, and without
// the exchange it would learn of its own death (and refute it) only at the
// next random push-pull. It returns how many members answered.
func (m *Members) Resync() (int, error) {
	var others []netip.AddrPort
	for a := range m.view.addrs() {
		if a != m.self {
			others = append(others, a)
		}
	}
	rand.Shuffle(len(others), func(i, j int) { others[i], others[j] = others[j], others[i] })
	others = others[:min(len(others), joinBatch)]
	if len(others) == 0 {
		return 0, nil
	}
	m.joinMu.Lock()
	defer m.joinMu.Unlock()
	n, errs := m.joinAll(others)
	if n == 0 {
		return 0, fmt.Errorf("membership: resync: %w (%d tried): %w", ErrNoPeer, len(others), errors.Join(errs...))
	}
	return n, nil
}
