package membership

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"github.com/hashicorp/memberlist"
)

// Sentinel errors, for errors.Is.
var (
	// ErrInvalidOptions wraps every problem Start finds in its Options.
	ErrInvalidOptions = errors.New("membership: invalid options")
	// ErrClosed is returned by Join and Leave after Close, and by Join
	// after Leave: a member that has left must not rejoin behind the
	// caller's back.
	ErrClosed = errors.New("membership: member closed or left")
	// ErrNoPeer is returned by Join when no peer could be reached. It is
	// expected for the first speaker of a cluster; the member keeps trying.
	ErrNoPeer = errors.New("membership: no peer reached")
)

// Members is this speaker's view of the live speakers. Its methods are safe
// for concurrent use.
type Members struct {
	ml      *memberlist.Memberlist
	log     *slog.Logger
	o       Options
	self    netip.AddrPort
	changes chan struct{}
	refuted chan struct{}
	view    *view

	joinMu sync.Mutex // one join round at a time: rounds are not cheap

	// lifeMu serialises Leave and Close: memberlist panics on a Leave after
	// Shutdown.
	lifeMu sync.Mutex

	mu    sync.Mutex
	peers []netip.AddrPort // from the last Join, without self
	state memberState

	stop     chan struct{} // closed by Leave or Close; ends the rejoin loop
	stopOnce sync.Once
	done     chan struct{} // closed when the rejoin loop has returned
}

type memberState int

const (
	running memberState = iota
	left
	closed
)

// Start binds the member's UDP and TCP port and starts it, alone until Join
// is called. The rejoin loop runs until ctx is done, Leave or Close; the
// member itself runs until Close, so that a caller shutting down on a
// cancelled context can still hand over and Leave.
func Start(ctx context.Context, o Options) (*Members, error) {
	o = o.withDefaults()
	addr, err := o.validate()
	if err != nil {
		return nil, err
	}
	m := &Members{
		log:     o.Logger,
		o:       o,
		self:    netip.AddrPortFrom(addr, uint16(o.BindPort)),
		changes: make(chan struct{}, 1),
		refuted: make(chan struct{}, 1),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	m.view = newView(o.NodeName, m.notify)

	stdLog := newStdLogger(o.Logger, func() {
		select {
		case m.refuted <- struct{}{}:
		default:
		}
	})
	c := o.config(addr)
	c.Logger = stdLog
	c.Events = m.view
	c.Delegate = metaDelegate{protocol: o.Protocol}
	t, err := memberlist.NewNetTransport(&memberlist.NetTransportConfig{
		BindAddrs: []string{addr.String()},
		BindPort:  o.BindPort,
		Logger:    stdLog,
	})
	if err != nil {
		return nil, fmt.Errorf("membership: bind %s: %w", m.self, err)
	}
	c.Transport = t
	if o.wrapTransport != nil {
		c.Transport = o.wrapTransport(t)
	}
	if m.ml, err = memberlist.Create(c); err != nil {
		_ = t.Shutdown()
		return nil, fmt.Errorf("membership: start %s: %w", o.NodeName, err)
	}
	go m.rejoinLoop(ctx)
	m.log.Info("member started", "node", o.NodeName, "address", m.self)
	return m, nil
}

// Live returns the names of the members currently alive, this one included,
// sorted. A suspect member counts as alive until it is declared dead: the
// election should not move addresses on a suspicion it may refute.
func (m *Members) Live() []string { return m.view.names() }

// Protocols returns the protocol each live member published, 0 for those
// that published none (see Options.Protocol).
func (m *Members) Protocols() map[string]int { return m.view.protocols() }

// Changes receives a value whenever Live may have changed. Notifications
// coalesce (the channel holds one), so a slow reader sees one for many
// changes and must read Live afresh.
func (m *Members) Changes() <-chan struct{} { return m.changes }

// Refuted receives a value when this member refuted an accusation: other
// members suspected it or declared it dead (it was cut off or frozen), so
// they may have taken over its addresses and need to hear it claim them
// back. Notifications coalesce.
func (m *Members) Refuted() <-chan struct{} { return m.refuted }

func (m *Members) notify() {
	select {
	case m.changes <- struct{}{}:
	default:
	}
}

// Leave tells the other members that this one is going, so they drop it
// at once instead of after failure detection, and stops rejoining. Call it
// after handing the addresses over, then Close. It waits up to timeout for
// the message to go out.
func (m *Members) Leave(timeout time.Duration) error {
	m.lifeMu.Lock()
	defer m.lifeMu.Unlock()
	switch m.setState(left) {
	case closed:
		return ErrClosed
	case left:
		return nil
	}
	m.stopRejoin()
	if err := m.ml.Leave(timeout); err != nil {
		return fmt.Errorf("membership: leave: %w", err)
	}
	m.log.Info("member left", "node", m.o.NodeName)
	return nil
}

// Close stops the member without telling the others, who will detect its
// absence; call Leave first for a graceful exit. It is idempotent.
func (m *Members) Close() error {
	m.lifeMu.Lock()
	defer m.lifeMu.Unlock()
	if m.setState(closed) == closed {
		return nil
	}
	m.stopRejoin()
	err := m.ml.Shutdown()
	<-m.done
	if err != nil {
		return fmt.Errorf("membership: close: %w", err)
	}
	return nil
}

// setState moves the member on to s, never back (closed after left is
// allowed, left after closed is not), and returns the previous state.
func (m *Members) setState(s memberState) memberState {
	m.mu.Lock()
	defer m.mu.Unlock()
	prev := m.state
	m.state = max(m.state, s)
	return prev
}

func (m *Members) stopRejoin() { m.stopOnce.Do(func() { close(m.stop) }) }
