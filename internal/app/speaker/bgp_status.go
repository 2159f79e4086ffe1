package speaker

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/announce/bgp"
	"github.com/farol-lb/farol/internal/bfd"
)

// sessionLister is the part of the BGP announcer the status reads.
type sessionLister interface {
	Sessions(ctx context.Context) ([]bgp.Session, error)
}

// bfdStates is the part of the BFD runner the status reads.
type bfdStates interface {
	State(remote netip.Addr) (bfd.State, bool)
}

// bgpStatus writes this node's BGPNodeStatus (named after the node, owned
// by its Node so it goes with it), and only when what a reader sees
// changed: session states, since, prefixes sent, BFD, last error. A node
// without BGP sessions writes none.
type bgpStatus struct {
	client   client.Client
	self     string
	sessions sessionLister
	bfd      bfdStates // nil: no BFD
	// waiting are the peers without a session because their password is
	// not copied yet; nil: none.
	waiting func() []farolv1.BGPSessionStatus
	log     *slog.Logger
	every   time.Duration

	last    farolv1.BGPNodeStatusStatus
	written bool
}

func (s *bgpStatus) run(ctx context.Context) {
	t := time.NewTicker(s.every)
	defer t.Stop()
	for {
		if err := s.sync(ctx); err != nil {
			s.log.Warn("writing the node's BGP status", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *bgpStatus) sync(ctx context.Context) error {
	ss, err := s.sessions.Sessions(ctx)
	if err != nil {
		return err
	}
	var st farolv1.BGPNodeStatusStatus
	for _, x := range ss {
		e := farolv1.BGPSessionStatus{Peer: x.Peer, Address: x.Address.String(), State: sessionState(x.State),
			PrefixesSent: int64(x.PrefixesSent), LastError: x.LastError}
		if !x.Since.IsZero() {
			e.Since = &metav1.Time{Time: x.Since}
		}
		if s.bfd != nil {
			if b, ok := s.bfd.State(x.Address); ok {
				e.BFD = farolv1.BFDSessionState(b.String())
			}
		}
		st.Sessions = append(st.Sessions, e)
	}
	if s.waiting != nil {
		st.Sessions = append(st.Sessions, s.waiting()...)
	}
	st = st.Normalized()
	if s.written && !st.Differs(s.last) {
		return nil
	}
	var obj farolv1.BGPNodeStatus
	err = s.client.Get(ctx, types.NamespacedName{Name: s.self}, &obj)
	switch {
	case apierrors.IsNotFound(err):
		if len(st.Sessions) == 0 {
			s.last, s.written = st, true
			return nil
		}
		var node corev1.Node
		if err := s.client.Get(ctx, types.NamespacedName{Name: s.self}, &node); err != nil {
			return fmt.Errorf("read node %s: %w", s.self, err)
		}
		obj = farolv1.BGPNodeStatus{ObjectMeta: metav1.ObjectMeta{Name: s.self, OwnerReferences: []metav1.OwnerReference{{
			APIVersion: "v1", Kind: "Node", Name: node.Name, UID: node.UID}}}, Status: st}
		err = s.client.Create(ctx, &obj)
	case err != nil:
		return err
	case !st.Differs(obj.Status):
	default:
		obj.Status = st
		err = s.client.Update(ctx, &obj)
	}
	if err != nil {
		return fmt.Errorf("write BGPNodeStatus %s: %w", s.self, err)
	}
	s.last, s.written = st, true
	return nil
}

// sessionState names GoBGP's lower-case states as the API does.
func sessionState(s string) farolv1.BGPSessionState {
	switch s {
	case "connect":
		return farolv1.BGPSessionConnect
	case "active":
		return farolv1.BGPSessionActive
	case "opensent":
		return farolv1.BGPSessionOpenSent
	case "openconfirm":
		return farolv1.BGPSessionOpenConfirm
	case bgp.Established:
		return farolv1.BGPSessionEstablished
	}
	return farolv1.BGPSessionIdle
}
