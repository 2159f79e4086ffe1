package bfd

import (
	"errors"
	"math/rand/v2"
	"time"
)

// slowTx is the least transmit interval while the session is not Up
// (RFC 5880 6.8.3): a session that cannot come up costs one packet a
// second.
const slowTx = time.Second

// Config are one session's local parameters.
type Config struct {
	// Disc is this session's discriminator: non-zero, unique on the node.
	Disc uint32
	// DesiredMinTx and RequiredMinRx are the intervals wanted once Up;
	// DetectMult the packets that may be lost before the session goes down.
	DesiredMinTx, RequiredMinRx time.Duration
	DetectMult                  uint8
	// Jitter returns a number in [0, 1) that spreads transmissions over
	// 75–100% of the interval (6.8.7). Default: math/rand.
	Jitter func() float64
}

// Change is a state transition and why.
type Change struct {
	From, To State
	Diag     Diag
}

// Session is one BFD session in asynchronous mode. It is not safe for
// concurrent use; the runner owns it.
type Session struct {
	cfg   Config
	state State
	diag  Diag

	remoteDisc  uint32
	remoteState State
	remoteMinRx time.Duration // the peer's Required Min RX Interval
	remoteMinTx time.Duration // the peer's Desired Min TX Interval
	remoteMult  uint8
	heard       bool // a packet was accepted since the session last went Down

	lastRx  time.Time
	nextTx  time.Time
	polling bool // our Poll sequence waits for a Final
	final   bool // the next packet answers the peer's Poll
}

// ErrDiscarded is returned for a packet RFC 5880 6.8.6 says to discard.
var ErrDiscarded = errors.New("bfd: packet discarded")

// NewSession starts a session in Down, sending its first packet at now.
func NewSession(cfg Config, now time.Time) (*Session, error) {
	if cfg.Disc == 0 || cfg.DetectMult == 0 || cfg.DesiredMinTx <= 0 || cfg.RequiredMinRx <= 0 {
		return nil, errors.New("bfd: a session needs a discriminator, a detect multiplier and both intervals")
	}
	if cfg.Jitter == nil {
		cfg.Jitter = rand.Float64
	}
	// bfd.RemoteMinRxInterval starts at 1 µs (6.8.1): send at our own pace
	// until the peer says otherwise.
	return &Session{cfg: cfg, state: Down, remoteMinRx: time.Microsecond, nextTx: now}, nil
}

// State is the session's state.
func (s *Session) State() State { return s.state }

// Diag is why the session last went down.
func (s *Session) Diag() Diag { return s.diag }

// Receive handles a parsed packet received at now and returns the state
// change it caused, if any.
func (s *Session) Receive(p Packet, now time.Time) (*Change, error) {
	if p.YourDisc != 0 && p.YourDisc != s.cfg.Disc {
		return nil, ErrDiscarded
	}
	if p.YourDisc == 0 && p.State != Down && p.State != AdminDown {
		return nil, ErrDiscarded
	}
	if s.state == AdminDown {
		return nil, ErrDiscarded
	}
	s.remoteDisc, s.remoteState, s.remoteMult = p.MyDisc, p.State, p.DetectMult
	s.remoteMinTx = p.DesiredMinTx
	if p.RequiredMinRx != s.remoteMinRx {
		s.remoteMinRx = p.RequiredMinRx
		// A faster pace the peer allows applies now; the next packet is
		// due no later than one new interval away.
		if due := now.Add(s.txInterval()); due.Before(s.nextTx) {
			s.nextTx = due
		}
	}
	if p.Final {
		s.polling = false
	}
	if p.Poll {
		s.final = true
		s.nextTx = now // answer a Poll at once (6.8.7)
	}
	s.lastRx, s.heard = now, true

	switch {
	case p.State == AdminDown:
		if s.state != Down {
			return s.to(Down, DiagNeighborSignaled), nil
		}
	case s.state == Down && p.State == Down:
		return s.to(Init, DiagNone), nil
	case s.state == Down && p.State == Init, s.state == Init && (p.State == Init || p.State == Up):
		return s.to(Up, DiagNone), nil
	case s.state == Up && p.State == Down:
		return s.to(Down, DiagNeighborSignaled), nil
	}
	return nil, nil
}

// AdminDown takes the session down on purpose, telling the peer so it
// does not count it as a failure (a graceful shutdown); the next packet
// goes at once.
func (s *Session) AdminDown(now time.Time) *Change {
	c := s.to(AdminDown, DiagAdministrativeDown)
	s.nextTx = now
	return c
}

// to changes state. Coming Up lowers the transmit interval from the slow
// pace to the configured one, announced with a Poll sequence (6.8.3).
func (s *Session) to(st State, diag Diag) *Change {
	c := &Change{From: s.state, To: st, Diag: diag}
	s.state = st
	if diag != DiagNone || st == Up {
		s.diag = diag
	}
	if st == Up && s.cfg.DesiredMinTx < slowTx {
		s.polling = true
	}
	if st == Down {
		s.polling, s.heard = false, false
	}
	return c
}

// Deadline is when Tick next has something to do.
func (s *Session) Deadline() time.Time {
	if d, ok := s.detectDeadline(); ok && d.Before(s.nextTx) {
		return d
	}
	return s.nextTx
}

// Tick handles the time now: a detection timeout, then a packet to send if
// one is due (nil otherwise).
func (s *Session) Tick(now time.Time) (*Packet, *Change) {
	var c *Change
	if d, ok := s.detectDeadline(); ok && !now.Before(d) {
		c = s.to(Down, DiagDetectionExpired)
		s.remoteDisc = 0 // 6.8.1: forget the peer
	}
	if now.Before(s.nextTx) {
		return nil, c
	}
	if s.heard && s.remoteMinRx == 0 && !s.final {
		// The peer asked for no packets (6.8.7); look again later.
		s.nextTx = now.Add(s.localTx())
		return nil, c
	}
	p := s.packet()
	s.final = false
	s.nextTx = now.Add(s.jittered(s.txInterval()))
	return &p, c
}

// detectDeadline is when the peer is declared dead: Detect Mult of its
// packets missed, at the slower of its pace and what we asked for
// (6.8.4). Only an Init or Up session times out.
func (s *Session) detectDeadline() (time.Time, bool) {
	if !s.heard || (s.state != Init && s.state != Up) {
		return time.Time{}, false
	}
	return s.lastRx.Add(time.Duration(s.remoteMult) * max(s.cfg.RequiredMinRx, s.remoteMinTx)), true
}

// txInterval is the slower of our pace and the peer's Required Min RX.
func (s *Session) txInterval() time.Duration {
	return max(s.localTx(), s.remoteMinRx)
}

func (s *Session) localTx() time.Duration {
	if s.state != Up {
		return max(s.cfg.DesiredMinTx, slowTx)
	}
	return s.cfg.DesiredMinTx
}

// jittered spreads d over 75–100%, or 75–90% with a Detect Mult of 1
// (6.8.7).
func (s *Session) jittered(d time.Duration) time.Duration {
	spread := 0.25
	if s.cfg.DetectMult == 1 {
		spread = 0.15
	}
	return time.Duration(float64(d) * (0.75 + spread*s.cfg.Jitter()))
}

func (s *Session) packet() Packet {
	return Packet{
		Diag: s.diag, State: s.state, Poll: s.polling && !s.final, Final: s.final,
		DetectMult: s.cfg.DetectMult, MyDisc: s.cfg.Disc, YourDisc: s.remoteDisc,
		DesiredMinTx: s.localTx(), RequiredMinRx: s.cfg.RequiredMinRx,
	}
}
