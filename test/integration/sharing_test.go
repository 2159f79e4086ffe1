package integration

import (
	"testing"

	"github.com/farol-lb/farol/test/gen"
)

// TestSharing: Services with one sharing key share an address when their
// ports do not overlap and, for externalTrafficPolicy Local, their
// selectors are equal; anything else is refused with an event naming the
// holder.
func TestSharing(t *testing.T) {
	e := newEnv(t)
	e.createPool(gen.Pool("share", []string{"10.40.0.0/30"}))
	e.startController()

	e.createService(gen.Service("dns-tcp", gen.WithSharingKey("dns"), gen.WithPorts(gen.TCP(53))))
	ip := e.waitAddresses("dns-tcp", 1)[0]
	e.createService(gen.Service("dns-udp", gen.WithSharingKey("dns"), gen.WithPorts(gen.UDP(53))))
	if got := e.waitAddresses("dns-udp", 1)[0]; got != ip {
		t.Fatalf("dns-udp got %s, want shared %s", got, ip)
	}
	e.createService(gen.Service("web", gen.WithSharingKey("dns"), gen.WithPorts(gen.TCP(80))))
	if got := e.waitAddresses("web", 1)[0]; got != ip {
		t.Fatalf("web got %s, want shared %s", got, ip)
	}

	// Explicit requests for the shared address.
	e.createService(gen.Service("clash", gen.WithSharingKey("dns"), gen.WithAddresses(ip), gen.WithPorts(gen.TCP(53))))
	e.waitEvent("clash", "AllocationFailed", ip, "ports overlap", "TCP/53")
	e.createService(gen.Service("otherkey", gen.WithSharingKey("other"), gen.WithAddresses(ip), gen.WithPorts(gen.TCP(8080))))
	e.waitEvent("otherkey", "AllocationFailed", ip, "sharing key")
	e.createService(gen.Service("nokey", gen.WithAddresses(ip), gen.WithPorts(gen.TCP(9090))))
	e.waitEvent("nokey", "AllocationFailed", ip)

	// Local traffic: equal selectors share, different ones do not.
	e.createService(gen.Service("loc1", gen.Local(), gen.WithSharingKey("loc"), gen.WithSelector(map[string]string{"app": "x"}), gen.WithPorts(gen.TCP(80))))
	lip := e.waitAddresses("loc1", 1)[0]
	e.createService(gen.Service("loc2", gen.Local(), gen.WithSharingKey("loc"), gen.WithSelector(map[string]string{"app": "x"}), gen.WithPorts(gen.TCP(81))))
	if got := e.waitAddresses("loc2", 1)[0]; got != lip {
		t.Fatalf("loc2 got %s, want shared %s", got, lip)
	}
	e.createService(gen.Service("loc3", gen.Local(), gen.WithSharingKey("loc"), gen.WithSelector(map[string]string{"app": "y"}), gen.WithPorts(gen.TCP(82)), gen.WithAddresses(lip)))
	e.waitEvent("loc3", "AllocationFailed", lip, "selector")
}
