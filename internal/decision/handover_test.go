package decision

import (
	"net/netip"
	"slices"
	"testing"
	"time"
)

func TestHandover(t *testing.T) {
	a := netip.MustParseAddr("10.0.0.1")
	b := netip.MustParseAddr("fd00::1")
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

	type step struct {
		at      int // ms after t0
		release netip.Addr
		claim   netip.Addr
		keep    netip.Addr
		// wants after the step
		lingers   bool // the released address lingers (release steps)
		ended     bool // the claim ended a hand-over (claim steps)
		expired   []netip.Addr
		remaining []netip.Addr
	}
	tests := map[string][]step{
		"lingers until the successor claims": {
			{at: 0, release: a, lingers: true, remaining: []netip.Addr{a}},
			{at: 40, remaining: []netip.Addr{a}},
			{at: 50, claim: a, ended: true, remaining: nil},
		},
		"lingers until the timeout without a claim": {
			{at: 0, release: a, lingers: true, remaining: []netip.Addr{a}},
			{at: 999, remaining: []netip.Addr{a}},
			{at: 1000, expired: []netip.Addr{a}, remaining: nil},
		},
		"a claim heard just before goes at once": {
			{at: 0, claim: a},
			{at: 500, release: a, lingers: false, remaining: nil},
		},
		"a claim heard long ago does not count": {
			{at: 0, claim: a},
			{at: 2001, release: a, lingers: true, remaining: []netip.Addr{a}},
		},
		"a claim of another address ends nothing": {
			{at: 0, release: a, lingers: true, remaining: []netip.Addr{a}},
			{at: 10, claim: b, ended: false, remaining: []netip.Addr{a}},
		},
		"owned again: no longer handed over": {
			{at: 0, release: a, lingers: true, remaining: []netip.Addr{a}},
			{at: 10, keep: a, remaining: nil},
			{at: 2000, remaining: nil},
		},
		"two addresses, one claimed": {
			{at: 0, release: a, lingers: true, remaining: []netip.Addr{a}},
			{at: 100, release: b, lingers: true, remaining: []netip.Addr{a, b}},
			{at: 200, claim: b, ended: true, remaining: []netip.Addr{a}},
			{at: 1000, expired: []netip.Addr{a}, remaining: nil},
		},
	}
	for name, steps := range tests {
		t.Run(name, func(t *testing.T) {
			h := NewHandover(time.Second, 2*time.Second)
			for i, s := range steps {
				now := at(s.at)
				switch {
				case s.release.IsValid():
					if got := h.Release(s.release, "ns/svc", []string{"eth0"}, now); got != s.lingers {
						t.Fatalf("step %d: Release lingers = %v, want %v", i, got, s.lingers)
					}
				case s.claim.IsValid():
					if _, got := h.Claimed(s.claim, now); got != s.ended {
						t.Fatalf("step %d: Claimed ended = %v, want %v", i, got, s.ended)
					}
				case s.keep.IsValid():
					h.Keep(s.keep)
				}
				expired, _ := h.Expire(now)
				if !slices.Equal(expired, s.expired) {
					t.Fatalf("step %d: expired %v, want %v", i, expired, s.expired)
				}
				var remaining []netip.Addr
				for a := range h.Lingering() {
					remaining = append(remaining, a)
				}
				slices.SortFunc(remaining, func(x, y netip.Addr) int { return x.Compare(y) })
				if !slices.Equal(remaining, s.remaining) {
					t.Fatalf("step %d: lingering %v, want %v", i, remaining, s.remaining)
				}
			}
		})
	}
}

func TestHandoverNext(t *testing.T) {
	h := NewHandover(time.Second, time.Second)
	t0 := time.Unix(0, 0)
	h.Release(netip.MustParseAddr("10.0.0.1"), "s", nil, t0)
	h.Release(netip.MustParseAddr("10.0.0.2"), "s", nil, t0.Add(300*time.Millisecond))
	if _, next := h.Expire(t0.Add(100 * time.Millisecond)); next != 900*time.Millisecond {
		t.Fatalf("next = %v, want 900ms (the earlier of the two deadlines)", next)
	}
	if _, next := h.Expire(t0.Add(2 * time.Second)); next != 0 {
		t.Fatalf("next = %v with nothing lingering, want 0", next)
	}
}
