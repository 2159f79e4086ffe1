package bfd

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"time"
)

// Peer is one single-hop session to run: from Local to Remote with these
// timers.
type Peer struct {
	Local, Remote               netip.Addr
	DesiredMinTx, RequiredMinRx time.Duration
	DetectMult                  uint8
}

// Event is a session's change of state.
type Event struct {
	Remote netip.Addr
	Change
}

// Options configure a Runner.
type Options struct {
	// Listen opens sockets; default net.ListenPacket. Tests pass one that
	// opens them in a network namespace.
	Listen ListenFunc
	Logger *slog.Logger
}

// Runner runs the sessions of one node: it receives on port 3784 (IPv4
// and IPv6), sends each session's packets, and reports every change of
// state on Events.
type Runner struct {
	opts   Options
	events chan Event
	in     chan received
	kick   chan struct{}

	mu       sync.Mutex
	sessions map[netip.Addr]*running // by remote address
	byDisc   map[uint32]*running
	rx       []rxConn
}

type running struct {
	peer Peer
	s    *Session
	tx   *txConn
}

// Start opens the receiving sockets and runs until ctx ends.
func Start(ctx context.Context, o Options) (*Runner, error) {
	if o.Listen == nil {
		o.Listen = func(network, address string) (net.PacketConn, error) { return net.ListenPacket(network, address) }
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	r := &Runner{opts: o, events: make(chan Event, 64), in: make(chan received, 64), kick: make(chan struct{}, 1),
		sessions: map[netip.Addr]*running{}, byDisc: map[uint32]*running{}}
	var errs []error
	for _, v6 := range []bool{false, true} {
		c, err := listenControl(o.Listen, v6)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		r.rx = append(r.rx, c)
		go r.read(c)
	}
	if len(r.rx) == 0 {
		return nil, errors.Join(errs...)
	}
	go r.loop(ctx)
	return r, nil
}

// Events reports state changes. It is buffered; a reader that falls far
// behind loses events (each is logged).
func (r *Runner) Events() <-chan Event { return r.events }

// State is the session state towards remote, false without a session.
func (r *Runner) State(remote netip.Addr) (State, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s, ok := r.sessions[remote]; ok {
		return s.s.State(), true
	}
	return 0, false
}

// Set replaces the sessions: new peers start (Down), removed ones are
// told AdminDown once and closed, peers whose timers changed restart.
func (r *Runner) Set(peers []Peer) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	want := map[netip.Addr]Peer{}
	for _, p := range peers {
		want[p.Remote] = p
	}
	for remote, s := range r.sessions {
		if p, ok := want[remote]; !ok || p != s.peer {
			s.s.AdminDown(now)
			if p, _ := s.s.Tick(now); p != nil {
				_ = s.tx.send(*p)
			}
			_ = s.tx.c.Close()
			delete(r.sessions, remote)
			delete(r.byDisc, s.s.cfg.Disc)
		}
	}
	var errs []error
	for remote, p := range want {
		if _, ok := r.sessions[remote]; ok {
			continue
		}
		tx, err := dialControl(r.opts.Listen, p.Local, p.Remote)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		disc := r.newDisc()
		s, err := NewSession(Config{Disc: disc, DesiredMinTx: p.DesiredMinTx, RequiredMinRx: p.RequiredMinRx, DetectMult: p.DetectMult}, now)
		if err != nil {
			_ = tx.c.Close()
			errs = append(errs, err)
			continue
		}
		run := &running{peer: p, s: s, tx: tx}
		r.sessions[remote], r.byDisc[disc] = run, run
	}
	r.poke()
	return errors.Join(errs...)
}

func (r *Runner) newDisc() uint32 {
	for {
		d := rand.Uint32()
		if _, used := r.byDisc[d]; d != 0 && !used {
			return d
		}
	}
}

func (r *Runner) poke() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

func (r *Runner) read(c rxConn) {
	buf := make([]byte, 1500)
	for {
		p, err := c.read(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		p.b = append([]byte(nil), p.b...)
		r.in <- p
	}
}

func (r *Runner) loop(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			r.close()
			return
		case p := <-r.in:
			r.receive(p)
		case <-r.kick:
		case <-timer.C:
		}
		timer.Reset(time.Until(r.tick()))
	}
}

// receive demultiplexes a packet to its session: by our discriminator,
// or by source address while the peer does not know it yet (6.3).
func (r *Runner) receive(in received) {
	if in.ttl != ttl { // crossed a router, or no TTL seen: not single hop
		return
	}
	p, err := Parse(in.b)
	if err != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.byDisc[p.YourDisc]
	if p.YourDisc == 0 {
		s = r.sessions[in.from]
	}
	if s == nil {
		return
	}
	c, err := s.s.Receive(p, time.Now())
	if err == nil && c != nil {
		r.emit(s.peer.Remote, *c)
	}
}

// tick sends what is due and returns when to look again.
func (r *Runner) tick() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	next := now.Add(time.Second)
	for _, s := range r.sessions {
		if !s.s.Deadline().After(now) {
			p, c := s.s.Tick(now)
			if c != nil {
				r.emit(s.peer.Remote, *c)
			}
			if p != nil {
				if err := s.tx.send(*p); err != nil {
					r.opts.Logger.Debug("bfd send failed", "peer", s.peer.Remote, "error", err)
				}
			}
		}
		if d := s.s.Deadline(); d.Before(next) {
			next = d
		}
	}
	return next
}

func (r *Runner) emit(remote netip.Addr, c Change) {
	r.opts.Logger.Info("bfd session changed", "peer", remote, "from", c.From, "to", c.To, "diag", c.Diag)
	select {
	case r.events <- Event{Remote: remote, Change: c}:
	default:
		r.opts.Logger.Warn("bfd event dropped: nobody reads them", "peer", remote)
	}
}

func (r *Runner) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.rx {
		_ = c.Close()
	}
	for _, s := range r.sessions {
		_ = s.tx.c.Close()
	}
}
