package speaker

import (
	"net/netip"
	"testing"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/decision"
)

// TestWaitingStatus: a peer left out for want of its password shows in
// the node's status as idle, naming the Secret and key to check; the
// last refresh's list replaces the one before.
func TestWaitingStatus(t *testing.T) {
	p := &bgpPeers{namespace: "farol-system"}
	if got := p.waitingStatus(); len(got) != 0 {
		t.Fatalf("nothing waits yet: %v", got)
	}
	p.setWaiting([]waitingPeer{{name: "tor", addr: netip.MustParseAddr("192.0.2.1"),
		secret: decision.SecretKey{Name: "tor-md5", Key: "password"}}})
	got := p.waitingStatus()
	want := farolv1.BGPSessionStatus{Peer: "tor", Address: "192.0.2.1", State: farolv1.BGPSessionIdle,
		LastError: `waiting for the password: key "password" of Secret farol-system/tor-md5 is not copied into Secret farol-system/farol-bgp-passwords yet (the controller copies it; check that the Secret and key exist)`}
	if len(got) != 1 || got[0] != want {
		t.Fatalf("status = %+v, want %+v", got, want)
	}
	p.setWaiting(nil)
	if got := p.waitingStatus(); len(got) != 0 {
		t.Fatalf("after the password came: %v", got)
	}
}
