package bgp

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// ResetSession drops the named session at once, on both sides (the router
// sees a new connection), says why in the session's last error, comes back
// by itself, and leaves the other peer's session alone.
func TestResetSession(t *testing.T) {
	a, rs, _ := topology(t, 65000, 65002)
	r1, r2 := rs[0], rs[1]
	local := a.opts.RouterID
	mustSetPaths(t, a, Path{Prefix: netip.MustParsePrefix("198.51.100.1/32")})
	conn1 := tcpConn(t, local, netip.AddrPortFrom(r1.addr, uint16(r1.port)))
	conn2 := tcpConn(t, local, netip.AddrPortFrom(r2.addr, uint16(r2.port)))

	if err := a.ResetSession(context.Background(), r1.addr, "bfd session down"); err != nil {
		t.Fatalf("ResetSession: %v", err)
	}
	// The session leaves Established on our side at once, not after a
	// hold time (9 s here); it stays idle for a second before it dials.
	eventually(t, 500*time.Millisecond, func() string {
		if s := sessionByName(t, a, "r1"); s.State == Established {
			return "session r1 still established after the reset"
		}
		return ""
	})
	// GoBGP's report of the NOTIFICATION it sent keeps the reason.
	time.Sleep(100 * time.Millisecond)
	if s := sessionByName(t, a, "r1"); !strings.HasPrefix(s.LastError, "bfd session down") {
		t.Errorf("last error %q does not say why", s.LastError)
	}
	took := waitEstablished(t, a, "r1", 10*time.Second)
	t.Logf("r1 re-established %v after the reset", took)
	if got := tcpConn(t, local, netip.AddrPortFrom(r1.addr, uint16(r1.port))); got == conn1 {
		t.Errorf("r1 still on its old connection (port %d)", conn1)
	}
	if got := tcpConn(t, local, netip.AddrPortFrom(r2.addr, uint16(r2.port))); got != conn2 {
		t.Errorf("r2's connection changed from port %d to %d", conn2, got)
	}
	wantRoutes(t, r1, map[netip.Prefix]route{netip.MustParsePrefix("198.51.100.1/32"): {from: local, nextHop: local, asPathLen: 1}}, 10*time.Second)

	// An address with no peer is nothing to reset.
	if err := a.ResetSession(context.Background(), netip.MustParseAddr("192.0.2.99"), "x"); err != nil {
		t.Errorf("ResetSession of an unknown address: %v", err)
	}
}
