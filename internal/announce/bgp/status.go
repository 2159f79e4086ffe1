package bgp

import (
	"cmp"
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	api "github.com/osrg/gobgp/v4/api"
)

// Session is the state of one peer's session, for the node's status.
type Session struct {
	Peer    string
	Address netip.Addr
	// State is the BGP FSM state in lower case: idle, connect, active,
	// opensent, openconfirm, established.
	State string
	// Since is when the session last became established; zero if it never
	// was. GoBGP keeps it in whole seconds.
	Since time.Time
	// PrefixesSent counts the paths the export policy lets out to this
	// peer now, PrefixesReceived the paths the peer sent us.
	PrefixesSent     uint64
	PrefixesReceived uint64
	// UpdatesSent counts UPDATE messages written on this session.
	UpdatesSent uint64
	// LastError is why the session last went down or failed to come up,
	// as GoBGP tells it (a NOTIFICATION received or sent, the hold timer);
	// empty while it never did.
	LastError string
}

// Established is the State of a working session.
const Established = "established"

// Sessions returns the state of every configured peer's session, sorted by
// peer name.
func (a *Announcer) Sessions(ctx context.Context) ([]Session, error) {
	a.mu.Lock()
	names := make(map[netip.Addr]string, len(a.peers))
	lastErr := make(map[netip.Addr]string, len(a.peers))
	for _, e := range a.peers {
		names[e.peer.Address] = e.peer.Name
		lastErr[e.peer.Address] = e.lastError
	}
	a.mu.Unlock()
	byAddr, err := a.bgpSessions(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Session, 0, len(byAddr))
	for addr, s := range byAddr {
		s.Peer, s.LastError = names[addr], lastErr[addr]
		out = append(out, s)
	}
	slices.SortFunc(out, func(x, y Session) int { return cmp.Compare(x.Peer, y.Peer) })
	return out, nil
}

// bgpSessions is every session by peer address, without names.
func (a *Announcer) bgpSessions(ctx context.Context) (map[netip.Addr]Session, error) {
	out := map[netip.Addr]Session{}
	err := a.bgp.ListPeer(ctx, &api.ListPeerRequest{EnableAdvertised: true}, func(p *api.Peer) {
		if addr, err := netip.ParseAddr(p.GetConf().GetNeighborAddress()); err == nil {
			out[addr] = sessionOf("", addr, p)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("list bgp peers: %w", err)
	}
	return out, nil
}

func sessionOf(name string, addr netip.Addr, p *api.Peer) Session {
	st := p.GetState()
	s := Session{
		Peer:        name,
		Address:     addr,
		State:       strings.ToLower(strings.TrimPrefix(st.GetSessionState().String(), "SESSION_STATE_")),
		UpdatesSent: st.GetMessages().GetSent().GetUpdate(),
	}
	if up := p.GetTimers().GetState().GetUptime(); up != nil && up.GetSeconds() > 0 {
		s.Since = up.AsTime()
	}
	for _, af := range p.GetAfiSafis() {
		s.PrefixesSent += af.GetState().GetAdvertised()
		s.PrefixesReceived += af.GetState().GetReceived()
	}
	return s
}

// noteDown keeps why the session with addr went down.
func (a *Announcer) noteDown(addr netip.Addr, why string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, e := range a.peers {
		if e.peer.Address != addr {
			continue
		}
		// GoBGP reports our own reset as a NOTIFICATION sent; the reason
		// the reset was for is what the operator needs.
		if e.resetFor != "" {
			why = e.resetFor + " (" + why + ")"
			e.resetFor = ""
		}
		e.lastError = why
	}
}

func disconnectText(reason api.PeerState_DisconnectReason, msg string) string {
	r := strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(reason.String(), "DISCONNECT_REASON_")), "_", " ")
	if msg == "" {
		return r
	}
	return r + ": " + msg
}
