package bgp

import (
	"context"
	"fmt"
	"net/netip"

	api "github.com/osrg/gobgp/v4/api"
)

// ResetSession tears the session with the peer at addr down at once (a
// Cease NOTIFICATION, if it can still be sent) and dials again after
// idleHoldAfterReset. The speaker calls it when BFD declares the path to
// the router dead (RFC 5882, section 4.3): waiting for the hold timer would
// leave this side Established for seconds on a session the router has
// already dropped, and report it so. why becomes the session's last error.
// A peer that is not configured is not an error: BFD may outlive it by an
// event.
func (a *Announcer) ResetSession(ctx context.Context, addr netip.Addr, why string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return ErrClosed
	}
	var found *peerEntry
	for _, e := range a.peers {
		if e.peer.Address == addr {
			found = e
		}
	}
	if found == nil {
		return nil
	}
	found.lastError, found.resetFor = why, why
	if err := a.bgp.ResetPeer(ctx, &api.ResetPeerRequest{Address: addr.String(), Communication: why}); err != nil {
		return fmt.Errorf("reset the session with peer %s: %w", found.peer.Name, err)
	}
	a.log.Info("bgp session reset", "peer", found.peer.Name, "reason", why)
	return nil
}

// RestartKeepsRoutes reports whether every configured peer has graceful
// restart, so that closing with Close(true) leaves all of them forwarding
// to this node while its speaker restarts. With one peer without it, a
// stop should withdraw (Shutdown) instead: that peer would drop the
// routes abruptly.
func (a *Announcer) RestartKeepsRoutes() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.peers) == 0 {
		return false
	}
	for _, e := range a.peers {
		if !e.peer.GracefulRestart {
			return false
		}
	}
	return true
}
