package bgp

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"time"

	api "github.com/osrg/gobgp/v4/api"
)

// Peer is one router this node has a session with. Peer is comparable: two
// equal Peers are the same session, which SetPeers leaves alone.
type Peer struct {
	// Name identifies the peer (the BGPPeer object's name); paths name
	// the peers they go to with it.
	Name string
	// Address is the router's address; one peer per address.
	Address netip.Addr
	// ASN is the router's AS number; equal to the local one makes the
	// session iBGP.
	ASN uint32
	// LocalASN is this node's AS number on this session; 0 means
	// Options.ASN.
	LocalASN uint32
	// Port is the router's TCP port; 0 means 179.
	Port uint16
	// SourceAddress is the local address the session is dialled from;
	// unset lets the kernel choose.
	SourceAddress netip.Addr
	// HoldTime, KeepaliveTime and ConnectRetry are the session timers,
	// whole seconds; 0 means GoBGP's defaults (90 s, a third of the hold
	// time, 120 s).
	HoldTime      time.Duration
	KeepaliveTime time.Duration
	ConnectRetry  time.Duration
	// EBGPMultihopTTL > 0 allows an eBGP peer that many hops away.
	EBGPMultihopTTL uint8
	// Password enables TCP MD5 signatures (RFC 2385).
	Password string
	// GracefulRestart announces the capability (RFC 4724) for IPv4 and
	// IPv6 unicast, so that the router keeps this node's routes for
	// RestartTime (0: GoBGP's default) while the speaker restarts.
	GracefulRestart bool
	RestartTime     time.Duration
}

// idleHoldAfterReset is how long a session this node reset (ResetSession,
// a changed peer) stays idle before it is dialled again. After a hold
// timer expiry or a NOTIFICATION received GoBGP waits a fixed 5 s instead.
const idleHoldAfterReset = time.Second

// peerEntry is a configured peer, the number of its policy objects and
// why its session last went down.
type peerEntry struct {
	peer      Peer
	id        int
	lastError string
	// resetFor is why ResetSession reset the session, until GoBGP reports
	// the session down.
	resetFor string
}

// SetPeers converges the sessions to peers: it removes vanished peers,
// re-creates changed ones (their sessions reset) and adds new ones; a peer
// equal to the configured one is left alone. Invalid peers are reported
// and skipped.
func (a *Announcer) SetPeers(ctx context.Context, peers []Peer) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return ErrClosed
	}
	want, errs := validPeers(peers)
	// Removals first, so that a peer renamed or moved to another address
	// frees its address for its successor.
	for _, name := range slices.Sorted(maps.Keys(a.peers)) {
		old := a.peers[name]
		p, ok := want[name]
		if ok && p == old.peer {
			continue
		}
		errs = append(errs, a.removePeer(ctx, old))
	}
	for _, name := range slices.Sorted(maps.Keys(want)) {
		if _, ok := a.peers[name]; !ok {
			errs = append(errs, a.addPeer(ctx, want[name]))
		}
	}
	return errors.Join(errs...)
}

// validPeers indexes peers by name, leaving out the invalid ones.
func validPeers(peers []Peer) (map[string]Peer, []error) {
	want := make(map[string]Peer, len(peers))
	addrs := make(map[netip.Addr]string, len(peers))
	var errs []error
	for _, p := range peers {
		p.Address = p.Address.Unmap()
		switch other, dup := addrs[p.Address]; {
		case p.Name == "":
			errs = append(errs, fmt.Errorf("%w: peer %v has no name", ErrInvalidPeer, p.Address))
		case !p.Address.IsValid() || p.Address.IsUnspecified():
			errs = append(errs, fmt.Errorf("%w: peer %s has no address", ErrInvalidPeer, p.Name))
		case p.ASN == 0:
			errs = append(errs, fmt.Errorf("%w: peer %s has no ASN", ErrInvalidPeer, p.Name))
		case dup:
			errs = append(errs, fmt.Errorf("%w: peers %s and %s share address %v", ErrInvalidPeer, other, p.Name, p.Address))
		default:
			if _, twice := want[p.Name]; twice {
				errs = append(errs, fmt.Errorf("%w: peer name %s used twice", ErrInvalidPeer, p.Name))
				continue
			}
			want[p.Name] = p
			addrs[p.Address] = p.Name
		}
	}
	return want, errs
}

// addPeer installs p's export policy, then the peer, so that its first
// UPDATEs are already filtered. The caller holds mu.
func (a *Announcer) addPeer(ctx context.Context, p Peer) error {
	a.nextID++
	e := &peerEntry{peer: p, id: a.nextID}
	a.peers[p.Name] = e
	err := a.addPeerPolicy(ctx, e)
	if err == nil {
		err = a.assignExport(ctx)
	}
	if err == nil {
		err = a.bgp.AddPeer(ctx, &api.AddPeerRequest{Peer: a.apiPeer(e)})
	}
	if err != nil {
		delete(a.peers, p.Name)
		return errors.Join(fmt.Errorf("add peer %s: %w", p.Name, err), a.removePeerPolicy(ctx, e))
	}
	a.log.Info("bgp peer added", "peer", p.Name, "address", p.Address, "asn", p.ASN)
	return nil
}

// removePeer deletes the peer (its session ends with a NOTIFICATION),
// then its export policy. The caller holds mu.
func (a *Announcer) removePeer(ctx context.Context, e *peerEntry) error {
	if err := a.bgp.DeletePeer(ctx, &api.DeletePeerRequest{Address: e.peer.Address.String()}); err != nil {
		return fmt.Errorf("delete peer %s: %w", e.peer.Name, err)
	}
	delete(a.peers, e.peer.Name)
	a.dials.clear(e.peer.Address) // a changed peer starts afresh
	a.log.Info("bgp peer removed", "peer", e.peer.Name, "address", e.peer.Address)
	return a.removePeerPolicy(ctx, e)
}

// apiPeer translates e into GoBGP's peer configuration. GoBGP's own BFD is
// never turned on: Farol runs its own (internal/bfd), see doc.go.
func (a *Announcer) apiPeer(e *peerEntry) *api.Peer {
	p := e.peer
	local := p.LocalASN
	if local == 0 {
		local = a.opts.ASN
	}
	ap := &api.Peer{
		Conf: &api.PeerConf{
			NeighborAddress: p.Address.String(),
			PeerAsn:         p.ASN,
			LocalAsn:        local,
			AuthPassword:    p.Password,
			Description:     p.Name,
		},
		Transport: &api.Transport{RemotePort: uint32(p.Port)},
		Timers: &api.Timers{Config: &api.TimersConfig{
			HoldTime:          seconds(p.HoldTime),
			KeepaliveInterval: seconds(p.KeepaliveTime),
			ConnectRetry:      seconds(p.ConnectRetry),
			// GoBGP waits 30 s by default before it dials again after a
			// reset (a NOTIFICATION, a BFD-triggered reset): that long without
			// routes after every blip of the link.
			IdleHoldTimeAfterReset: seconds(idleHoldAfterReset),
		}},
	}
	if p.SourceAddress.IsValid() {
		ap.Transport.LocalAddress = p.SourceAddress.String()
	}
	if p.EBGPMultihopTTL > 0 {
		ap.EbgpMultihop = &api.EbgpMultihop{Enabled: true, MultihopTtl: uint32(p.EBGPMultihopTTL)}
	}
	if p.GracefulRestart {
		ap.GracefulRestart = &api.GracefulRestart{Enabled: true, RestartTime: uint32(seconds(p.RestartTime))}
	}
	for _, afi := range []api.Family_Afi{api.Family_AFI_IP, api.Family_AFI_IP6} {
		ap.AfiSafis = append(ap.AfiSafis, &api.AfiSafi{
			Config:            &api.AfiSafiConfig{Family: &api.Family{Afi: afi, Safi: api.Family_SAFI_UNICAST}, Enabled: true},
			MpGracefulRestart: &api.MpGracefulRestart{Config: &api.MpGracefulRestartConfig{Enabled: p.GracefulRestart}},
		})
	}
	return ap
}

func seconds(d time.Duration) uint64 { return uint64(d / time.Second) }
