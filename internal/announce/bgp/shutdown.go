package bgp

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	api "github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
)

// shutdownPoll is how often Shutdown looks whether the withdrawal is out.
const shutdownPoll = 10 * time.Millisecond

// defaultHoldTime is GoBGP's hold time for a peer that sets none.
const defaultHoldTime = 90 * time.Second

// withdrawLinger is how long Shutdown waits after the withdrawal is
// written before it closes the sessions and returns: time for a router to
// install it (FRR took up to tens of milliseconds on a loaded machine).
const withdrawLinger = 200 * time.Millisecond

// shutdownMessage is the administrative shutdown communication (RFC 9003)
// routers log when the sessions close.
const shutdownMessage = "farol speaker shutting down"

// Shutdown leaves gracefully: it withdraws every path, waits until every
// established session that carried some has written an UPDATE since (the
// withdrawal; TCP delivers it before the NOTIFICATION that follows), or
// until ctx ends or the longest hold time passes, then closes every session
// with an administrative shutdown and stops the instance. Routers thus
// move traffic away before the session drops, instead of when they notice.
func (a *Announcer) Shutdown(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return nil
	}
	a.closed = true
	a.stop()
	before, err := a.bgpSessions(ctx)
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}
	if len(a.paths) > 0 {
		if err := a.bgp.DeletePath(apiutil.DeletePathRequest{DeleteAll: true}); err != nil {
			errs = append(errs, fmt.Errorf("withdraw paths: %w", err))
		}
		a.log.Info("bgp paths withdrawn for shutdown", "count", len(a.paths))
		a.paths = map[netip.Prefix]Path{}
		errs = append(errs, a.awaitWithdrawn(ctx, before))
		// Written is not yet installed: the router still has to process
		// the UPDATE and change its forwarding table. The node this
		// speaker runs on may be going away, so leave it that long.
		select {
		case <-ctx.Done():
		case <-time.After(withdrawLinger):
		}
	}
	for _, e := range a.peers {
		if err := a.bgp.ShutdownPeer(ctx, &api.ShutdownPeerRequest{Address: e.peer.Address.String(), Communication: shutdownMessage}); err != nil {
			errs = append(errs, fmt.Errorf("shut down peer %s: %w", e.peer.Name, err))
		}
	}
	a.bgp.Stop()
	a.log.Info("bgp stopped")
	return errors.Join(errs...)
}

// awaitWithdrawn waits until every session in before that was established
// with prefixes sent has written a further UPDATE, or is down. The caller
// holds mu.
func (a *Announcer) awaitWithdrawn(ctx context.Context, before map[netip.Addr]Session) error {
	var hold time.Duration
	for _, e := range a.peers {
		hold = max(hold, cmp.Or(e.peer.HoldTime, defaultHoldTime))
	}
	ctx, cancel := context.WithTimeout(ctx, hold)
	defer cancel()
	tick := time.NewTicker(shutdownPoll)
	defer tick.Stop()
	for {
		now, err := a.bgpSessions(ctx)
		if err != nil {
			return err
		}
		pending := 0
		for addr, b := range before {
			n, ok := now[addr]
			if b.State == Established && b.PrefixesSent > 0 && ok && n.State == Established && n.UpdatesSent <= b.UpdatesSent {
				pending++
			}
		}
		if pending == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("await withdrawal by %d peers: %w", pending, ctx.Err())
		case <-tick.C:
		}
	}
}
