package bfd

import (
	"errors"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)

// link runs two sessions against one clock, passing every packet through
// Marshal and Parse, without delay, while it is up in that direction.
type link struct {
	t      *testing.T
	now    time.Time
	a, b   *Session
	ab, ba bool // packets delivered a->b, b->a
	// changes seen, in order, per session
	changes map[*Session][]Change
	at      map[*Session][]time.Time // when each change happened
	sent    map[*Session][]sent
}

type sent struct {
	at time.Time
	p  Packet
}

func newLink(t *testing.T, ca, cb Config) *link {
	t.Helper()
	half := func() float64 { return 0.5 }
	ca.Jitter, cb.Jitter = half, half
	a, err := NewSession(ca, t0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewSession(cb, t0)
	if err != nil {
		t.Fatal(err)
	}
	return &link{t: t, now: t0, a: a, b: b, ab: true, ba: true, changes: map[*Session][]Change{}, at: map[*Session][]time.Time{}, sent: map[*Session][]sent{}}
}

func cfg(disc uint32, tx, rx time.Duration, mult uint8) Config {
	return Config{Disc: disc, DesiredMinTx: tx, RequiredMinRx: rx, DetectMult: mult}
}

// run advances the clock event by event until until.
func (l *link) run(until time.Time) {
	for {
		next := l.a.Deadline()
		if d := l.b.Deadline(); d.Before(next) {
			next = d
		}
		if next.After(until) {
			l.now = until
			return
		}
		l.now = next
		l.step(l.a, l.b, l.ab)
		l.step(l.b, l.a, l.ba)
	}
}

func (l *link) step(from, to *Session, up bool) {
	p, c := from.Tick(l.now)
	if c != nil {
		l.changes[from] = append(l.changes[from], *c)
		l.at[from] = append(l.at[from], l.now)
	}
	if p == nil {
		return
	}
	l.sent[from] = append(l.sent[from], sent{l.now, *p})
	if !up {
		return
	}
	got, err := Parse(p.Marshal())
	if err != nil {
		l.t.Fatalf("own packet does not parse: %v", err)
	}
	c, err = to.Receive(got, l.now)
	if err != nil {
		l.t.Fatalf("packet refused: %v", err)
	}
	if c != nil {
		l.changes[to] = append(l.changes[to], *c)
		l.at[to] = append(l.at[to], l.now)
	}
}

func TestThreeWayHandshake(t *testing.T) {
	l := newLink(t, cfg(1, 100*time.Millisecond, 100*time.Millisecond, 3), cfg(2, 100*time.Millisecond, 100*time.Millisecond, 3))
	l.run(t0.Add(3 * time.Second))
	for _, s := range []*Session{l.a, l.b} {
		if s.State() != Up {
			t.Fatalf("session %d is %s after 3 s", s.cfg.Disc, s.State())
		}
	}
	// a sends first (Down), b goes Init and answers, a goes Up, then b.
	want := []Change{{Down, Up, DiagNone}}
	if got := l.changes[l.a]; len(got) != 1 || got[0] != want[0] {
		t.Errorf("a's changes %v, want %v", got, want)
	}
	if got := l.changes[l.b]; len(got) != 2 || got[0].To != Init || got[1].To != Up {
		t.Errorf("b's changes %v, want Down->Init->Up", got)
	}
}

// TestPaceOnceUp: at most one packet a second while not Up; once Up the
// configured 100 ms, announced with a Poll that the peer answers with a
// Final, after which Poll is no longer set.
func TestPaceOnceUp(t *testing.T) {
	l := newLink(t, cfg(1, 100*time.Millisecond, 100*time.Millisecond, 3), cfg(2, 100*time.Millisecond, 100*time.Millisecond, 3))
	l.run(t0.Add(5 * time.Second))
	pkts := l.sent[l.a]
	var upAt time.Time
	for i, s := range pkts {
		if s.p.State == Up && upAt.IsZero() {
			upAt = s.at
		}
		if i > 0 && s.p.State != Up && pkts[i-1].p.State != Up && s.at.Sub(pkts[i-1].at) < 750*time.Millisecond {
			t.Errorf("packets %v apart before Up", s.at.Sub(pkts[i-1].at))
		}
	}
	if upAt.IsZero() {
		t.Fatal("never Up")
	}
	var polls, late int
	var last time.Time
	for _, s := range pkts {
		if s.at.Before(upAt.Add(time.Second)) {
			if s.p.Poll {
				polls++
			}
			continue
		}
		if s.p.Poll {
			t.Errorf("Poll still set at %v", s.at.Sub(t0))
		}
		if !last.IsZero() && s.at.Sub(last) > 100*time.Millisecond {
			late++
		}
		last = s.at
	}
	if polls == 0 {
		t.Error("coming Up sent no Poll")
	}
	if late > 0 {
		t.Errorf("%d gaps over 100 ms once Up", late)
	}
}

// TestDetection: with the peer's packets lost, the session goes Down with
// "detection time expired" after Detect Mult intervals of the slower of
// the peer's pace and ours — here the peer's 300 ms — not sooner.
func TestDetection(t *testing.T) {
	l := newLink(t, cfg(1, 100*time.Millisecond, 100*time.Millisecond, 3), cfg(2, 300*time.Millisecond, 100*time.Millisecond, 3))
	l.run(t0.Add(5 * time.Second))
	if l.a.State() != Up {
		t.Fatal("not Up")
	}
	lastRx := l.a.lastRx
	l.ba = false
	l.run(t0.Add(10 * time.Second))
	var down *Change
	var at time.Time
	for i, c := range l.changes[l.a] {
		if c.To == Down {
			down, at = &c, l.at[l.a][i]
		}
	}
	if down == nil || down.Diag != DiagDetectionExpired {
		t.Fatalf("a's changes %v: no Down for an expired detection time", l.changes[l.a])
	}
	// The clock jumps to deadlines, so the detection fires at lastRx +
	// 3 x 300 ms exactly.
	if want := lastRx.Add(900 * time.Millisecond); !at.Equal(want) {
		t.Errorf("went Down %v after the last packet, want 900ms", at.Sub(lastRx))
	}
}

// TestPeerPace: a peer that asks for packets no faster than 500 ms gets
// none faster (the RequiredMinRx that gobgp#3563 ignores).
func TestPeerPace(t *testing.T) {
	l := newLink(t, cfg(1, 50*time.Millisecond, 50*time.Millisecond, 3), cfg(2, 500*time.Millisecond, 500*time.Millisecond, 3))
	l.run(t0.Add(10 * time.Second))
	if l.a.State() != Up {
		t.Fatal("not Up")
	}
	pkts := l.sent[l.a]
	for i := 1; i < len(pkts); i++ {
		gap := pkts[i].at.Sub(pkts[i-1].at)
		if pkts[i].at.After(t0.Add(5*time.Second)) && !pkts[i].p.Final && gap < 375*time.Millisecond {
			t.Fatalf("packet %v after the previous one; the peer asked for 500ms (75%% with jitter)", gap)
		}
	}
}

// TestRecoversAfterExpiry is gobgp#3561's case: after a detection timeout
// and the link back, the session comes Up again and stays Up for 60 s.
func TestRecoversAfterExpiry(t *testing.T) {
	l := newLink(t, cfg(1, 100*time.Millisecond, 100*time.Millisecond, 3), cfg(2, 100*time.Millisecond, 100*time.Millisecond, 3))
	l.run(t0.Add(3 * time.Second))
	l.ab, l.ba = false, false
	l.run(t0.Add(6 * time.Second))
	if l.a.State() != Down || l.b.State() != Down {
		t.Fatalf("states %s/%s with the link cut", l.a.State(), l.b.State())
	}
	l.ab, l.ba = true, true
	l.run(t0.Add(10 * time.Second))
	if l.a.State() != Up || l.b.State() != Up {
		t.Fatalf("states %s/%s 4 s after the link came back", l.a.State(), l.b.State())
	}
	n := len(l.changes[l.a]) + len(l.changes[l.b])
	l.run(t0.Add(70 * time.Second))
	if extra := len(l.changes[l.a]) + len(l.changes[l.b]) - n; extra != 0 {
		t.Fatalf("%d state changes in the 60 s after recovery: %v %v", extra, l.changes[l.a], l.changes[l.b])
	}
}

// TestNeighborSignals: a peer going AdminDown takes the session Down with
// "neighbor signaled", not as a failure.
func TestNeighborSignals(t *testing.T) {
	l := newLink(t, cfg(1, 100*time.Millisecond, 100*time.Millisecond, 3), cfg(2, 100*time.Millisecond, 100*time.Millisecond, 3))
	l.run(t0.Add(3 * time.Second))
	l.b.AdminDown(l.now)
	l.run(t0.Add(3*time.Second + 50*time.Millisecond))
	if l.a.State() != Down || l.a.Diag() != DiagNeighborSignaled {
		t.Fatalf("a is %s (diag %d) after the peer went AdminDown", l.a.State(), l.a.Diag())
	}
}

func TestDiscards(t *testing.T) {
	s, err := NewSession(cfg(7, 100*time.Millisecond, 100*time.Millisecond, 3), t0)
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]Packet{
		"another session's":        {State: Down, MyDisc: 9, YourDisc: 8, DetectMult: 3},
		"Up without your discr.":   {State: Up, MyDisc: 9, DetectMult: 3},
		"Init without your discr.": {State: Init, MyDisc: 9, DetectMult: 3},
	} {
		if _, err := s.Receive(p, t0); !errors.Is(err, ErrDiscarded) {
			t.Errorf("%s: %v, want discarded", name, err)
		}
	}
	if s.State() != Down {
		t.Errorf("state %s after discarded packets", s.State())
	}
}
