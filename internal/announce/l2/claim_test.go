package l2

import (
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"
)

// claims records what an Announcer's Claimed callback heard.
type claims struct {
	mu    sync.Mutex
	heard map[netip.Addr]string // address -> MAC of the claimer
	seen  chan struct{}
}

func newClaims() *claims {
	return &claims{heard: map[netip.Addr]string{}, seen: make(chan struct{}, 64)}
}

func (c *claims) record(addr netip.Addr, mac net.HardwareAddr) {
	c.mu.Lock()
	c.heard[addr] = mac.String()
	c.mu.Unlock()
	select {
	case c.seen <- struct{}{}:
	default:
	}
}

func (c *claims) get(addr netip.Addr) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	mac, ok := c.heard[addr]
	return mac, ok
}

// TestClaimsHeard: a node answering for an address hears another node's
// gratuitous ARP and unsolicited NA for it, with that node's MAC, and
// never takes its own announcements for someone else's.
func TestClaimsHeard(t *testing.T) {
	l := newLab(t, 1)
	p := pair(0)
	heard := newClaims()
	o := labOptions()
	o.Claimed = heard.record
	node := l.announcer(t, o)
	// The "successor" is an Announcer on the client's side of the link.
	var succ *Announcer
	if err := in(l.clientNS, func() error { succ = New(labOptions()); return nil }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = succ.Close() })

	for name, c := range map[string]struct{ own, claimed netip.Addr }{
		"ipv4": {vip4(0, 160), vip4(0, 161)},
		"ipv6": {vip6(0, 0x160), vip6(0, 0x161)},
	} {
		t.Run(name, func(t *testing.T) {
			// Our own burst for own must not count as a claim.
			l.mustSet(t, node, map[netip.Addr][]string{c.own: nil, c.claimed: nil})
			time.Sleep(3 * DefaultGratuitousInterval * 2)
			if mac, ok := heard.get(c.own); ok {
				t.Fatalf("heard a claim of %s from %s, but only this node announced it", c.own, mac)
			}
			if err := in(l.clientNS, func() error { return succ.SetDesired(only(c.claimed)) }); err != nil {
				t.Fatal(err)
			}
			deadline := time.After(2 * time.Second)
			for {
				if mac, ok := heard.get(c.claimed); ok {
					if mac != p.clientMAC.String() {
						t.Fatalf("claim of %s heard from %s, want %s", c.claimed, mac, p.clientMAC)
					}
					break
				}
				select {
				case <-heard.seen:
				case <-deadline:
					t.Fatalf("no claim of %s heard within 2s", c.claimed)
				}
			}
			if mac, ok := heard.get(c.own); ok {
				t.Fatalf("heard a claim of %s from %s; nobody else announced it", c.own, mac)
			}
		})
	}
}
