package decision

import (
	"maps"
	"net/netip"
	"slices"
	"time"
)

// Handover decides how long a live node keeps answering for an address it
// no longer owns. Going quiet at once loses requests from clients that have
// not heard of the new owner yet; answering on with a fixed delay makes two
// nodes answer when the new owner was answering already, and proves
// nothing when the new owner is slow. So the old owner keeps answering
// until it hears the successor claim the address on the wire (its
// gratuitous ARP or unsolicited NA), or Timeout passes; and if a claim by
// another node was heard in the last Memory, the successor answers already
// and the old owner stops at once.
//
// It is a plain value driven by the caller's clock; not safe for concurrent
// use.
type Handover struct {
	// Timeout bounds the wait for a successor that never claims (there is
	// none, or it cannot reach the link).
	Timeout time.Duration
	// Memory is how long a heard claim means "another node answers for
	// this address now".
	Memory time.Duration

	lingering map[netip.Addr]Lingering
	heard     map[netip.Addr]time.Time
}

// Lingering is an address still answered while it is handed over.
type Lingering struct {
	Service    string
	Interfaces []string
	Until      time.Time
}

// NewHandover returns an empty Handover.
func NewHandover(timeout, memory time.Duration) *Handover {
	return &Handover{Timeout: timeout, Memory: memory, lingering: map[netip.Addr]Lingering{}, heard: map[netip.Addr]time.Time{}}
}

// Release records that this node gives addr up while alive. It reports
// whether the address lingers (keeps being answered); false means another
// node was heard answering for it, so it can go at once.
func (h *Handover) Release(addr netip.Addr, service string, ifaces []string, now time.Time) bool {
	if t, ok := h.heard[addr]; ok && now.Sub(t) <= h.Memory {
		delete(h.lingering, addr)
		return false
	}
	h.lingering[addr] = Lingering{Service: service, Interfaces: ifaces, Until: now.Add(h.Timeout)}
	return true
}

// Keep cancels the hand-over of an address this node owns again.
func (h *Handover) Keep(addr netip.Addr) { delete(h.lingering, addr) }

// Claimed records another node's claim of addr and returns the hand-over
// it ended, if any.
func (h *Handover) Claimed(addr netip.Addr, now time.Time) (Lingering, bool) {
	h.heard[addr] = now
	l, ok := h.lingering[addr]
	delete(h.lingering, addr)
	return l, ok
}

// Expire ends the hand-overs whose time is up, forgets old claims, and
// returns the addresses that stopped lingering and how long until the next
// one expires (0 when none lingers).
func (h *Handover) Expire(now time.Time) (expired []netip.Addr, next time.Duration) {
	for a, l := range h.lingering {
		if !now.Before(l.Until) {
			expired = append(expired, a)
			delete(h.lingering, a)
			continue
		}
		if d := l.Until.Sub(now); next == 0 || d < next {
			next = d
		}
	}
	for a, t := range h.heard {
		if now.Sub(t) > h.Memory {
			delete(h.heard, a)
		}
	}
	slices.SortFunc(expired, func(a, b netip.Addr) int { return a.Compare(b) })
	return expired, next
}

// Clear ends every hand-over at once.
func (h *Handover) Clear() { clear(h.lingering) }

// Lingering returns the addresses being handed over.
func (h *Handover) Lingering() map[netip.Addr]Lingering { return maps.Clone(h.lingering) }

// Len returns the number of addresses being handed over.
func (h *Handover) Len() int { return len(h.lingering) }
