package bgp

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
	"github.com/osrg/gobgp/v4/pkg/server"
)

// Shutdown withdraws the node's paths before it closes the session: the
// router processes the withdrawal of every prefix first.
func TestShutdownWithdrawsBeforeClosing(t *testing.T) {
	a, rs, _ := topology(t, 65000)
	r := rs[0]
	mustSetPaths(t, a, Path{Prefix: host4}, Path{Prefix: host6})
	eventually(t, 5*time.Second, func() string {
		if len(r.routes(t)) != 2 {
			return "router lacks the paths"
		}
		return ""
	})

	// The router's own event stream orders what it processed. Received
	// UPDATEs only: a session that goes down drops its routes too, but
	// without an UPDATE.
	var mu sync.Mutex
	var events []string
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	err := r.s.WatchEvent(ctx, server.WatchEventMessageCallbacks{
		OnPathUpdate: func(paths []*apiutil.Path, _ time.Time) {
			mu.Lock()
			defer mu.Unlock()
			for _, p := range paths {
				if p.Withdrawal {
					events = append(events, "withdraw "+p.Nlri.String())
				}
			}
		},
		OnPeerUpdate: func(e *apiutil.WatchEventMessage_PeerEvent, _ time.Time) {
			mu.Lock()
			defer mu.Unlock()
			if e.Type == apiutil.PEER_EVENT_STATE && e.Peer.State.SessionState != bgp.BGP_FSM_ESTABLISHED {
				events = append(events, "down")
			}
		},
	}, server.WatchUpdate(false, "", ""), server.WatchPeer())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := a.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	t.Logf("Shutdown returned after %v", time.Since(start))
	eventually(t, 5*time.Second, func() string {
		mu.Lock()
		defer mu.Unlock()
		if !slices.Contains(events, "down") {
			return "router never saw the session go down"
		}
		return ""
	})
	mu.Lock()
	defer mu.Unlock()
	down := slices.Index(events, "down")
	if withdrawn := slices.Sorted(slices.Values(events[:down])); !slices.Equal(withdrawn, []string{"withdraw " + host4.String(), "withdraw " + host6.String()}) {
		t.Fatalf("router events %q: want both withdrawals before the session went down", events)
	}
	if s := r.session(t, a.opts.RouterID); s.State == Established {
		t.Fatalf("router still has the session: %+v", s)
	}
	if err := a.SetPaths(context.Background(), []Path{{Prefix: host4}}); !errors.Is(err, ErrClosed) {
		t.Fatalf("SetPaths after Shutdown = %v, want ErrClosed", err)
	}
}
