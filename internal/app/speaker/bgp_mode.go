package speaker

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/farol-lb/farol/internal/announce/bgp"
	"github.com/farol-lb/farol/internal/bfd"
	"github.com/farol-lb/farol/internal/config"
)

// globalASN is the embedded BGP instance's own AS number, which no
// session uses: every BGPPeer says this node's AS (myASN). A private
// 32-bit one (RFC 6996).
const globalASN = 4200000000

// bgpStatusEvery is how often the node's BGP status is looked at; it is
// written only when it changed.
const bgpStatusEvery = 2 * time.Second

// bgpMode is the running BGP mode: the applier of its announcements and
// the peers kept in step.
type bgpMode struct {
	applier *bgpApplier
	peers   *bgpPeers
	status  *bgpStatus // nil when the announcer reports no sessions
	watch   *bfdWatch  // nil without BFD events or session resets
	ann     BGP

	stopOnce sync.Once
}

// startBGP starts the announcer and BFD (or takes the injected ones);
// nil when the mode is off.
func (o *Options) startBGP(ctx context.Context, mgr ctrl.Manager, log *slog.Logger) (*bgpMode, error) {
	if !o.bgpOn() {
		return nil, nil
	}
	ann, runner := o.BGP, o.BFD
	if ann == nil {
		var n corev1.Node
		if err := mgr.GetAPIReader().Get(ctx, types.NamespacedName{Name: o.NodeName}, &n); err != nil {
			return nil, fmt.Errorf("read node %s for its BGP addresses: %w", o.NodeName, err)
		}
		v4, v6 := config.InternalIPs(&n)
		if !v4.IsValid() {
			return nil, fmt.Errorf("node %s has no IPv4 InternalIP for a BGP router ID", o.NodeName)
		}
		a, err := bgp.New(ctx, bgp.Options{Logger: log.With("mode", "bgp"), RouterID: v4, ASN: globalASN,
			ListenPort: -1, NextHopIPv4: v4, NextHopIPv6: v6})
		if err != nil {
			return nil, fmt.Errorf("start BGP: %w", err)
		}
		ann = a
		r, err := bfd.Start(ctx, bfd.Options{Logger: log.With("mode", "bfd")})
		if err != nil {
			log.Warn("BFD not available; BGP sessions rely on their hold timers", "error", err)
		} else {
			runner = r
		}
	}
	var status *bgpStatus
	var metrics *bgpMetrics
	lister, _ := ann.(sessionLister)
	states, _ := runner.(bfdStates)
	if lister != nil {
		status = &bgpStatus{client: mgr.GetClient(), self: o.NodeName, sessions: lister, bfd: states, log: log.With("mode", "bgp"), every: bgpStatusEvery}
		var err error
		if metrics, err = newBGPMetrics(o.Registry, lister, states); err != nil {
			return nil, fmt.Errorf("register BGP metrics: %w", err)
		}
	}
	peers := &bgpPeers{refreshed: make(chan struct{}), cache: mgr.GetClient(), secrets: mgr.GetClient(), self: o.NodeName, namespace: o.passwordsNamespace(),
		ann: ann, bfd: runner, log: log.With("mode", "bgp"), told: map[string]bool{}}
	if status != nil {
		status.waiting = peers.waitingStatus
	}
	var watch *bfdWatch
	events, hasEvents := runner.(bfdEvents)
	resetter, canReset := ann.(sessionResetter)
	if hasEvents && canReset {
		watch = &bfdWatch{events: events.Events(), reset: resetter, names: lister, metrics: metrics, log: log.With("mode", "bfd")}
	}
	return &bgpMode{
		status:  status,
		watch:   watch,
		applier: newBGPApplier(ctx, ann, log.With("mode", "bgp")),
		peers:   peers,
		ann:     ann,
	}, nil
}

func (o *Options) bgpOn() bool { return o.BGPMode || o.BGP != nil }

// passwordsNamespace is where the controller copies the BGP passwords:
// the speaker's Secret namespace.
func (o *Options) passwordsNamespace() string {
	if o.SecretNamespace == "" {
		return "farol-system"
	}
	return o.SecretNamespace
}

// restarter is the part of the BGP announcer that leaves for a restart.
type restarter interface {
	RestartKeepsRoutes() bool
	Close(restart bool) error
}

// stop withdraws this node's routes and waits until the routers have
// read it before the sessions close. When every peer has graceful restart
// it leaves them forwarding instead (RFC 4724): a speaker stops for a
// restart or an upgrade far more often than its node goes away, and a
// node being drained is cordoned first, which withdraws its routes by
// decision before the speaker stops. The routers drop the routes after
// their restart time if the speaker does not come back.
func (m *bgpMode) stop(log *slog.Logger) {
	m.stopOnce.Do(func() { m.leave(log) })
}

func (m *bgpMode) leave(log *slog.Logger) {
	if r, ok := m.ann.(restarter); ok && r.RestartKeepsRoutes() {
		log.Info("BGP sessions closed for a restart: the routers keep this node's routes for their restart time")
		if err := r.Close(true); err != nil {
			log.Warn("closing BGP for a restart", "error", err)
		}
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := m.ann.Shutdown(ctx); err != nil {
		log.Warn("BGP shutdown", "error", err)
	}
}
