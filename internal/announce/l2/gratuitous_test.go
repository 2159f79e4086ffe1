package l2

import (
	"net/netip"
	"testing"
	"time"
)

// The client has arp_accept=1 and accept_untracked_na=1 and no entry for
// the address: only the gratuitous burst can teach it the node's MAC.
func TestGratuitous(t *testing.T) {
	l := newLab(t, 1)
	p := pair(0)
	o := labOptions()
	o.RefreshInterval = -1 // whatever the client learns comes from the burst
	a := l.announcer(t, o)
	for name, vip := range map[string]netip.Addr{"ipv4": vip4(0, 150), "ipv6": vip6(0, 0x150)} {
		t.Run(name, func(t *testing.T) {
			l.flushNeighbours(t, p.client)
			if got := l.neighbour(t, p.client, vip); got != "" {
				t.Fatalf("client already has %s -> %s before the test", vip, got)
			}
			l.mustSet(t, a, only(vip))
			took := l.waitNeighbour(t, p.client, vip, p.nodeMAC, time.Second)
			t.Logf("client learned %s unasked %v after SetDesired returned", vip, took)
		})
	}
}
