package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"time"
)

// frrSummary is the part of `show bgp summary json` that Sessions reads:
// one table of peers per address family.
type frrSummary map[string]struct {
	Peers map[string]struct {
		RemoteAs       uint32 `json:"remoteAs"`
		State          string `json:"state"`
		PeerUptimeMsec int64  `json:"peerUptimeMsec"`
		// Epoch seconds.
		PeerUptimeEstablishedEpoch int64 `json:"peerUptimeEstablishedEpoch"`
		PfxRcd                     int   `json:"pfxRcd"`
		PfxSnt                     int   `json:"pfxSnt"`
	} `json:"peers"`
}

func (frr) sessions(ctx context.Context, r *Router) ([]Session, error) {
	out, err := vtysh(ctx, r, "bgpd", "show bgp summary json")
	if err != nil {
		return nil, err
	}
	return parseFRRSummary(out)
}

// parseFRRSummary merges the per-family peer tables into one Session per
// peer, in address order.
func parseFRRSummary(out []byte) ([]Session, error) {
	var sum frrSummary
	if err := json.Unmarshal(out, &sum); err != nil {
		return nil, fmt.Errorf("show bgp summary json: %w", err)
	}
	byPeer := map[netip.Addr]*Session{}
	for family, t := range sum {
		for addr, p := range t.Peers {
			a, err := netip.ParseAddr(addr)
			if err != nil {
				return nil, fmt.Errorf("show bgp summary json: peer %q: %w", addr, err)
			}
			s := byPeer[a]
			if s == nil {
				s = &Session{Peer: a, ASN: p.RemoteAs, State: p.State, Established: p.State == "Established"}
				if s.Established {
					s.Uptime = time.Duration(p.PeerUptimeMsec) * time.Millisecond
					s.Since = time.Unix(p.PeerUptimeEstablishedEpoch, 0)
				}
				byPeer[a] = s
			}
			switch family {
			case "ipv4Unicast":
				s.Received4, s.Sent4 = p.PfxRcd, p.PfxSnt
			case "ipv6Unicast":
				s.Received6, s.Sent6 = p.PfxRcd, p.PfxSnt
			}
		}
	}
	return sortedSessions(byPeer), nil
}

// sortedSessions lists the sessions in peer address order.
func sortedSessions(m map[netip.Addr]*Session) []Session {
	var ss []Session
	for _, s := range m {
		ss = append(ss, *s)
	}
	slices.SortFunc(ss, func(a, b Session) int { return a.Peer.Compare(b.Peer) })
	return ss
}

func (frr) bfdPeers(ctx context.Context, r *Router) ([]BFDPeer, error) {
	out, err := vtysh(ctx, r, "bfdd", "show bfd peers json")
	if err != nil {
		return nil, err
	}
	return parseFRRBFDPeers(out)
}

func parseFRRBFDPeers(out []byte) ([]BFDPeer, error) {
	var peers []struct {
		Peer   string `json:"peer"`
		Status string `json:"status"`
	}
	if err := json.Unmarshal(out, &peers); err != nil {
		return nil, fmt.Errorf("show bfd peers json: %w", err)
	}
	var bs []BFDPeer
	for _, p := range peers {
		a, err := netip.ParseAddr(p.Peer)
		if err != nil {
			return nil, fmt.Errorf("show bfd peers json: peer %q: %w", p.Peer, err)
		}
		bs = append(bs, BFDPeer{Peer: a, State: p.Status, Up: p.Status == "up"})
	}
	return bs, nil
}
