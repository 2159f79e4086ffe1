package bgp

import (
	"context"
	"time"

	api "github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
	"github.com/osrg/gobgp/v4/pkg/server"
)

// watchSessions keeps why each session last went down, until ctx ends.
func (a *Announcer) watchSessions(ctx context.Context) error {
	return a.bgp.WatchEvent(ctx, server.WatchEventMessageCallbacks{
		OnPeerUpdate: func(e *apiutil.WatchEventMessage_PeerEvent, _ time.Time) {
			if e.Type != apiutil.PEER_EVENT_STATE {
				return
			}
			addr := e.Peer.Conf.NeighborAddress.Unmap()
			if e.Peer.State.SessionState >= bgp.BGP_FSM_OPENSENT {
				a.dials.clear(addr) // connected
			}
			// Leaving idle is reported as the idle timer "expiring": not
			// a failure.
			if st := e.Peer.State; st.DisconnectReason != api.PeerState_DISCONNECT_REASON_UNSPECIFIED &&
				st.DisconnectReason != api.PeerState_DISCONNECT_REASON_IDLE_TIMER_EXPIRED {
				a.noteDown(addr, disconnectText(st.DisconnectReason, st.DisconnectMessage))
			}
		},
	}, server.WatchPeer())
}
