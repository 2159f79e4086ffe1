package bgp

import (
	"context"
	"errors"
	"net/netip"
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

// Close(true) on a peer with graceful restart leaves the router holding
// the node's routes (RFC 4724), so that a restarting speaker keeps traffic
// flowing; Close(false) takes them away at once.
func TestCloseForRestartKeepsRoutes(t *testing.T) {
	for name, restart := range map[string]bool{"restart": true, "stop": false} {
		t.Run(name, func(t *testing.T) {
			addrs := loopbacks(2)
			r := newRouter(t, addrs[1], 65000)
			r.acceptWith(t, addrs[0], nodeASN, neighbour{gracefulRestart: true})
			a := node(t, addrs[0], nodeASN, nh6)
			p := r.peer("r1")
			p.SourceAddress, p.GracefulRestart, p.RestartTime = addrs[0], true, 30*time.Second
			mustSetPeers(t, a, p)
			waitEstablished(t, a, "r1", 10*time.Second)
			mustSetPaths(t, a, Path{Prefix: host4})
			want := map[netip.Prefix]route{host4: {from: addrs[0], nextHop: addrs[0], asPathLen: 1}}
			wantRoutes(t, r, want, 5*time.Second)
			if err := a.Close(restart); err != nil {
				t.Fatal(err)
			}
			eventually(t, 5*time.Second, func() string {
				if s := r.session(t, addrs[0]); s.State == Established {
					return "router still has the session"
				}
				return ""
			})
			time.Sleep(time.Second)
			if !restart {
				want = map[netip.Prefix]route{}
			}
			wantRoutes(t, r, want, 0)
		})
	}
}
