package speaker

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/announce/bgp"
	"github.com/farol-lb/farol/internal/bfd"
	"github.com/farol-lb/farol/internal/config"
)

// BFDRunner is the part of Farol's BFD the speaker uses.
type BFDRunner interface {
	Set(peers []bfd.Peer) error
}

// bgpPeers keeps the announcer's sessions, and the BFD sessions that
// watch them, in step with the BGPPeers that select this node. Peers
// whose configuration did not change keep their sessions (the announcer
// compares).
type bgpPeers struct {
	cache     client.Reader // BGPPeers and this node
	secrets   client.Reader // the password copy, from a cache that holds only it
	self      string
	namespace string // of the password Secret
	ann       BGP
	bfd       BFDRunner // nil: no BFD
	log       *slog.Logger
	told      map[string]bool // peers whose pending password was logged

	mu      sync.Mutex
	waiting []waitingPeer // for the status: peers without their password

	// refreshed is closed once the peers were first set up (or failed
	// to be): the status waits for it, so that it never reports a
	// restarted node without sessions for a moment.
	refreshed     chan struct{}
	refreshedOnce sync.Once
}

// Refreshed is closed after the first refresh.
func (p *bgpPeers) Refreshed() <-chan struct{} { return p.refreshed }

// bgpRetry is how soon a refresh that failed is tried again.
const bgpRetry = 2 * time.Second

// refreshLoop runs refresh when kicked (BGPPeers, this node, the password
// copy changed), and again after bgpRetry when it failed.
func (p *bgpPeers) refreshLoop(ctx context.Context, kick <-chan struct{}, poke func()) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-kick:
		}
		var t *time.Timer
		if err := p.refresh(ctx); err != nil {
			p.log.Warn("setting up BGP sessions", "error", err)
			t = time.AfterFunc(bgpRetry, poke)
		}
		p.refreshedOnce.Do(func() { close(p.refreshed) })
		select {
		case <-ctx.Done():
			if t != nil {
				t.Stop()
			}
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (p *bgpPeers) refresh(ctx context.Context) error {
	var node corev1.Node
	if err := p.cache.Get(ctx, types.NamespacedName{Name: p.self}, &node); err != nil {
		return fmt.Errorf("read node %s: %w", p.self, err)
	}
	local4, local6 := config.InternalIPs(&node)
	var list farolv1.BGPPeerList
	if err := p.cache.List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
		return fmt.Errorf("list BGPPeers: %w", err)
	}
	var passwords map[string][]byte
	var waiting []waitingPeer
	var peers []bgp.Peer
	var bfds []bfd.Peer
	for i := range list.Items {
		dp, errs := config.BGPPeer(&list.Items[i])
		if len(errs) > 0 || !dp.Selects(node.Labels) {
			continue // the controller's Ready condition says why
		}
		bp := bgp.Peer{Name: dp.Name, Address: dp.Address, ASN: dp.ASN, LocalASN: dp.MyASN, Port: dp.Port,
			SourceAddress: dp.Source, HoldTime: dp.Hold, KeepaliveTime: dp.Keepalive, ConnectRetry: dp.Connect,
			EBGPMultihopTTL: dp.MultiHop, GracefulRestart: dp.GracefulRestart}
		if dp.PasswordSecret.Name != "" {
			if passwords == nil {
				var err error
				if passwords, err = p.passwords(ctx); err != nil {
					return err
				}
			}
			pw, ok := passwords[dp.Name]
			if !ok {
				if !p.told[dp.Name] {
					p.log.Info("bgp peer waits for its password to be copied", "peer", dp.Name, "secret", p.namespace+"/"+passwordsSecret)
					p.told[dp.Name] = true
				}
				waiting = append(waiting, waitingPeer{name: dp.Name, addr: dp.Address, secret: dp.PasswordSecret})
				continue
			}
			delete(p.told, dp.Name)
			bp.Password = string(pw)
		}
		peers = append(peers, bp)
		if dp.BFD != nil && p.bfd != nil {
			local := local4
			if dp.Address.Is6() && !dp.Address.Is4In6() {
				local = local6
			}
			if dp.Source.IsValid() {
				local = dp.Source
			}
			if local.IsValid() {
				bfds = append(bfds, bfd.Peer{Local: local, Remote: dp.Address, DesiredMinTx: dp.BFD.MinTx,
					RequiredMinRx: dp.BFD.MinRx, DetectMult: dp.BFD.Multiplier})
			}
		}
	}
	// A peer waiting for its password is left out until the copy's watch
	// kicks a refresh; the status shows why.
	p.setWaiting(waiting)
	slices.SortFunc(peers, func(a, b bgp.Peer) int { return cmp.Compare(a.Name, b.Name) })
	if err := p.ann.SetPeers(ctx, peers); err != nil {
		return err
	}
	if p.bfd != nil {
		if err := p.bfd.Set(bfds); err != nil {
			return err
		}
	}
	return nil
}
