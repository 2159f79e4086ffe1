package speaker

import (
	"context"
	"log/slog"
	"net/netip"

	"github.com/farol-lb/farol/internal/bfd"
)

// bfdEvents is the part of the BFD runner that reports changes of state.
type bfdEvents interface {
	Events() <-chan bfd.Event
}

// sessionResetter is the part of the BGP announcer that drops a session.
type sessionResetter interface {
	ResetSession(ctx context.Context, addr netip.Addr, why string) error
}

// bfdDownReason is the last error a session reset by BFD reports.
const bfdDownReason = "BFD session down"

// bfdWatch acts on BFD's verdicts. When a session that was Up goes Down,
// the path to that router is dead: the BGP session with it is reset at
// once (RFC 5882, section 4.3), so this node stops counting on it and
// reports it down in BFD time, as the router does, instead of after the
// hold time. The announcer dials again by itself and the session returns
// when the path does. Every transition is counted.
type bfdWatch struct {
	events  <-chan bfd.Event
	reset   sessionResetter
	names   sessionLister // to name the peer in metrics
	metrics *bgpMetrics   // nil: not counted
	log     *slog.Logger
}

func (w *bfdWatch) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-w.events:
			w.handle(ctx, ev)
		}
	}
}

func (w *bfdWatch) handle(ctx context.Context, ev bfd.Event) {
	peer := w.peerName(ctx, ev.Remote)
	if w.metrics != nil {
		w.metrics.transitions.WithLabelValues(peer, ev.To.String()).Inc()
	}
	if ev.From != bfd.Up || ev.To != bfd.Down {
		return
	}
	// Reset by us, the session waits 1 s before it dials again, where
	// GoBGP waits 5 s after a hold timer expiry or the router's
	// NOTIFICATION: the node's routes return that much sooner when the
	// path does.
	if err := w.reset.ResetSession(ctx, ev.Remote, bfdDownReason); err != nil {
		w.log.Warn("resetting a BGP session after BFD went down", "peer", peer, "error", err)
	}
}

// peerName names the BGP peer at addr, or the address when none is
// configured (BFD may report on a peer just removed).
func (w *bfdWatch) peerName(ctx context.Context, addr netip.Addr) string {
	if w.names != nil {
		if ss, err := w.names.Sessions(ctx); err == nil {
			for _, s := range ss {
				if s.Address == addr {
					return s.Peer
				}
			}
		}
	}
	return addr.String()
}
