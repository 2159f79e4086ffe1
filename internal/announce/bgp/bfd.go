package bgp

import (
	"context"
	"net/netip"
	"time"

	api "github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
	"github.com/osrg/gobgp/v4/pkg/server"
)

// GoBGP v4.8.0 resets the BGP session when BFD goes down by queueing a
// NOTIFICATION for it. If BFD goes down while the session is already down —
// the router closed it and then dropped its BFD session, as FRR does for a
// dynamic neighbour — the NOTIFICATION waits in the queue and kills the
// next session as soon as it is established (gobgp#3561, fixed in v4.9.0,
// which the module proxy does not serve). So BFD runs only while the
// session is established: it is armed when the session comes up and
// disarmed as soon as it goes down, and a BFD session that does not exist
// cannot expire. BFD's only job is to take an established session down, so
// nothing is lost; re-arming costs the BFD handshake, a few hundred ms
// after each establishment during which a dead link is noticed by the hold
// timer only.

// watchSessions arms and disarms BFD on every session state change, and
// keeps why a session last went down, until ctx ends.
func (a *Announcer) watchSessions(ctx context.Context) error {
	return a.bgp.WatchEvent(ctx, server.WatchEventMessageCallbacks{
		OnPeerUpdate: func(e *apiutil.WatchEventMessage_PeerEvent, _ time.Time) {
			if e.Type != apiutil.PEER_EVENT_STATE {
				return
			}
			addr := e.Peer.Conf.NeighborAddress.Unmap()
			// Leaving idle is reported as the idle timer "expiring": not
			// a failure.
			if st := e.Peer.State; st.DisconnectReason != api.PeerState_DISCONNECT_REASON_UNSPECIFIED &&
				st.DisconnectReason != api.PeerState_DISCONNECT_REASON_IDLE_TIMER_EXPIRED {
				a.noteDown(addr, disconnectText(st.DisconnectReason, st.DisconnectMessage))
			}
			a.armBFD(ctx, addr, e.Peer.State.SessionState == bgp.BGP_FSM_ESTABLISHED)
		},
	}, server.WatchPeer())
}

// armBFD runs the BFD session of the peer at addr if it wants one and its
// session is established, and stops it otherwise.
func (a *Announcer) armBFD(ctx context.Context, addr netip.Addr, established bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return
	}
	for _, e := range a.peers {
		if e.peer.Address != addr || !e.peer.BFD.Enabled {
			continue
		}
		if e.bfdArmed == established {
			return
		}
		e.bfdArmed = established
		if _, err := a.bgp.UpdatePeer(ctx, &api.UpdatePeerRequest{Peer: a.apiPeer(e)}); err != nil {
			a.log.Warn("switching BFD failed", "peer", e.peer.Name, "armed", established, "error", err)
			return
		}
		a.log.Debug("BFD switched", "peer", e.peer.Name, "armed", established)
	}
}
