package l2

import (
	"net/netip"
	"time"
)

// schedule decides when each owned address is next announced unsolicited:
// a burst of count rounds spaced by interval on taking ownership (the first
// at once), then one round every refresh, or never again if refresh <= 0.
// The burst makes neighbours switch over within milliseconds; the refresh
// repairs caches that missed it. It is a plain value driven by the caller's
// clock so that it can be tested without waiting.
type schedule struct {
	count    int
	interval time.Duration
	refresh  time.Duration
	entries  map[netip.Addr]scheduled
}

type scheduled struct {
	at   time.Time
	left int // burst rounds still to send, including the one at `at`
}

func newSchedule(count int, interval, refresh time.Duration) *schedule {
	return &schedule{count: count, interval: interval, refresh: refresh, entries: make(map[netip.Addr]scheduled)}
}

// add starts the burst for a newly owned address.
func (s *schedule) add(a netip.Addr, now time.Time) {
	if s.count > 0 {
		s.entries[a] = scheduled{at: now, left: s.count}
		return
	}
	if s.refresh > 0 {
		s.entries[a] = scheduled{at: now.Add(s.refresh)}
	}
}

func (s *schedule) remove(a netip.Addr) { delete(s.entries, a) }

// due returns the addresses to announce now, advances them, and says when to
// call again (the zero time when nothing is scheduled).
func (s *schedule) due(now time.Time) (addrs []netip.Addr, wake time.Time) {
	for _, a := range sortedKeys(s.entries) {
		e := s.entries[a]
		if !e.at.After(now) {
			addrs = append(addrs, a)
			switch {
			case e.left > 1:
				e = scheduled{at: now.Add(s.interval), left: e.left - 1}
			case s.refresh > 0:
				e = scheduled{at: now.Add(s.refresh)}
			default:
				delete(s.entries, a)
				continue
			}
			s.entries[a] = e
		}
		if wake.IsZero() || e.at.Before(wake) {
			wake = e.at
		}
	}
	return addrs, wake
}
