package speaker

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
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
	api       client.Reader // the password Secret, read by name
	self      string
	namespace string // of the password Secret
	ann       BGP
	bfd       BFDRunner // nil: no BFD
	log       *slog.Logger
	told      map[string]bool // peers whose pending password was logged
}

// passwordsSecret is the Secret the controller copies BGP passwords into.
const passwordsSecret = "farol-bgp-passwords"

// errPasswordPending: a peer waits for the controller to copy its
// password; refresh again soon.
var errPasswordPending = errors.New("a BGP peer's password is not in the copy yet")

// Refresh intervals: soon while a password is pending, and now and then
// otherwise, which picks up a changed password (the speaker may read the
// copy but not watch every Secret).
const (
	bgpRetry  = 2 * time.Second
	bgpResync = 30 * time.Second
)

// refreshLoop runs refresh when kicked, and again after bgpRetry or
// bgpResync.
func (p *bgpPeers) refreshLoop(ctx context.Context, kick <-chan struct{}, poke func()) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-kick:
		}
		again := bgpResync
		if err := p.refresh(ctx); err != nil {
			if !errors.Is(err, errPasswordPending) {
				p.log.Warn("setting up BGP sessions", "error", err)
			}
			again = bgpRetry
		}
		t := time.AfterFunc(again, poke)
		select {
		case <-ctx.Done():
			t.Stop()
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
	var pending bool
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
				pending = true
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
	slices.SortFunc(peers, func(a, b bgp.Peer) int { return cmp.Compare(a.Name, b.Name) })
	if err := p.ann.SetPeers(ctx, peers); err != nil {
		return err
	}
	if p.bfd != nil {
		if err := p.bfd.Set(bfds); err != nil {
			return err
		}
	}
	if pending {
		return errPasswordPending
	}
	return nil
}

func (p *bgpPeers) passwords(ctx context.Context) (map[string][]byte, error) {
	var s corev1.Secret
	err := p.api.Get(ctx, types.NamespacedName{Namespace: p.namespace, Name: passwordsSecret}, &s)
	if apierrors.IsNotFound(err) {
		return map[string][]byte{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s/%s: %w", p.namespace, passwordsSecret, err)
	}
	return s.Data, nil
}
