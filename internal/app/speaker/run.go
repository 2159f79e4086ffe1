package speaker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlconfig "sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/source"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/announce/l2"
	"github.com/farol-lb/farol/internal/config"
	"github.com/farol-lb/farol/internal/decision"
	"github.com/farol-lb/farol/internal/membership"
)

// claimMemory is how long another node's claim of an address, heard on the
// wire, counts as "it answers for it now" (decision.Handover.Memory): a
// little more than the time a membership change takes to reach every
// speaker.
const claimMemory = 2 * time.Second

// Run runs the speaker until ctx ends, then hands its addresses over: it
// leaves the membership (the others take over and send their gratuitous
// bursts), keeps answering for the handover delay, and only then goes quiet.
func Run(ctx context.Context, o Options) error {
	if err := o.complete(); err != nil {
		return err
	}
	log := o.Logger.With("node", o.NodeName)
	if o.Registry == nil {
		o.Registry = ctrlmetrics.Registry
	}
	m, err := newSpeakerMetrics(o.Registry)
	if err != nil {
		return fmt.Errorf("register metrics: %w", err)
	}
	scheme, err := farolv1.Scheme()
	if err != nil {
		return err
	}
	skip := true // several speakers run in one test process
	caches := cacheOptions()
	if o.bgpOn() {
		caches.ByObject[&corev1.Secret{}] = passwordsCache(o.passwordsNamespace())
	}
	mgr, err := ctrl.NewManager(o.Config, ctrl.Options{
		Scheme:                 scheme,
		Logger:                 logr.FromSlogHandler(log.Handler()),
		Metrics:                metricsserver.Options{BindAddress: o.MetricsAddress},
		HealthProbeBindAddress: o.HealthAddress,
		Controller:             ctrlconfig.Controller{SkipNameValidation: &skip},
		Cache:                  caches,
	})
	if err != nil {
		return fmt.Errorf("create manager: %w", err)
	}
	sliceIdx, err := newSliceIndex(ctx, mgr.GetCache())
	if err != nil {
		return fmt.Errorf("index EndpointSlices: %w", err)
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return err
	}

	if o.Members == nil {
		if err := o.membershipFromCluster(ctx, mgr.GetAPIReader()); err != nil {
			return err
		}
	}
	members := o.Members
	if members == nil {
		ml, err := membership.Start(ctx, o.Membership)
		if err != nil {
			return fmt.Errorf("start membership: %w", err)
		}
		members = ml
	}
	defer closeLogged(log, "closing membership", members.Close)

	l2o := o.L2
	if l2o.Logger == nil {
		l2o.Logger = log
	}
	if l2o.Registry == nil {
		l2o.Registry = o.Registry
	}
	var ap *applier // set before the announcer opens any responder
	l2o.Claimed = func(addr netip.Addr, mac net.HardwareAddr) { ap.claimed(addr, mac) }
	ann := o.Announcer
	if ann == nil {
		ann = l2.New(l2o)
	}
	defer closeLogged(log, "closing the announcer", ann.Close)

	again := make(chan event.GenericEvent, 4096)
	ap = newApplier(ann, decision.NewHandover(o.HandoverTimeout, claimMemory), log, time.Now,
		func(svc string) { again <- serviceEvent(svc) })
	// Joins run one at a time in their own goroutine, always with the
	// latest peer list.
	peers := make(chan []string, 1)
	w := newWorlds(mgr.GetClient(), o.NodeName, members,
		func(p []string) {
			select {
			case <-peers:
			default:
			}
			peers <- p
		},
		func(svc string) { again <- serviceEvent(svc) })
	r := &serviceReconciler{
		client: mgr.GetClient(), slices: sliceIdx, recorder: mgr.GetEventRecorder("farol-speaker"),
		self: o.NodeName, worlds: w, appliers: map[decision.Mode]modeApplier{decision.ModeL2: ap}, answered: ann.Answered, metrics: m,
		reported: map[string]string{}, written: map[string]written{},
	}
	bgpMode, err := o.startBGP(ctx, mgr, log)
	if err != nil {
		return err
	}
	if bgpMode != nil {
		r.appliers[decision.ModeBGP] = bgpMode.applier
		r.initial = newInitialPass()
		defer bgpMode.stop(log) // on an error; after a hand-over it did already
	}
	redecideKick, redecide := kicker()
	peerKick, refreshPeers := kicker()
	bgpKick, refreshBGP := kicker()
	b := ctrl.NewControllerManagedBy(mgr)
	if bgpMode != nil {
		// Only with BGP: the Secret cache is restricted to the password
		// copy then, and may be listed.
		b = b.Watches(&corev1.Secret{}, kickOn(refreshBGP, passwordsChanged))
	}
	err = b.
		Named("speaker").
		For(&corev1.Service{}).
		Watches(&discoveryv1.EndpointSlice{}, sliceHandler()).
		Watches(&corev1.Node{}, worldHandler(w, redecide, nodeChanged)).
		Watches(&corev1.Node{}, peerHandler(refreshPeers)).
		Watches(&farolv1.L2Advertisement{}, worldHandler(w, redecide, specChanged)).
		Watches(&farolv1.BGPAdvertisement{}, worldHandler(w, redecide, specChanged)).
		Watches(&farolv1.AddressPool{}, worldHandler(w, redecide, specChanged)).
		Watches(&farolv1.BGPPeer{}, kickOn(refreshBGP, specChanged)).
		Watches(&corev1.Node{}, kickOn(refreshBGP, ownNode(o.NodeName))).
		WatchesRawSource(source.Channel(again, &handler.EnqueueRequestForObject{})).
		WithOptions(controller.Options{MaxConcurrentReconciles: 4}).
		Complete(r)
	if err != nil {
		return fmt.Errorf("set up speaker: %w", err)
	}

	refuted := make(chan struct{}, 1) // for watchFreeze
	mctx, stopMgr := context.WithCancel(context.WithoutCancel(ctx))
	defer stopMgr()
	go func() {
		for {
			select {
			case <-mctx.Done():
				return
			case <-members.Changes():
				m.members.Set(float64(len(members.Live())))
				w.speakersChanged()
				redecide()
			case <-members.Refuted():
				// Others took this node for dead and may answer for its
				// addresses: claim them back, so that they hear it and
				// yield at once instead of after their hand-over timeout.
				log.Info("other speakers took this node for dead; announcing its addresses again")
				ann.Reannounce()
				select {
				case refuted <- struct{}{}:
				default:
				}
			}
		}
	}()
	go ap.run(mctx)
	if bgpMode != nil {
		r.initial.start(mctx, mgr.GetCache(), mgr.GetClient(), initialPassTimeout, log)
		go func() {
			// Sessions open once every Service has been decided (see
			// initialPass); peer changes until then wait too.
			select {
			case <-r.initial.Done():
			case <-mctx.Done():
				return
			}
			refreshBGP()
			bgpMode.peers.refreshLoop(mctx, bgpKick, refreshBGP)
		}()
		if bgpMode.status != nil {
			go func() {
				// Once the peers are set up, which is after the first
				// pass: a restarted node never shows no sessions.
				select {
				case <-bgpMode.peers.Refreshed():
				case <-mctx.Done():
					return
				}
				bgpMode.status.run(mctx)
			}()
		}
		if bgpMode.watch != nil {
			go bgpMode.watch.run(mctx)
		}
	}
	go loop(mctx, peerKick, 200*time.Millisecond, log, "finding the other speakers", w.refreshPeers)
	go loop(mctx, redecideKick, 20*time.Millisecond, log, "deciding again", func(ctx context.Context) error {
		n, err := w.redecide(ctx)
		if n > 0 {
			log.Debug("decided again after a change of nodes, advertisements, pools or speakers", "changed", n)
		}
		return err
	})
	go func() {
		for {
			select {
			case <-mctx.Done():
				return
			case p := <-peers:
				if err := members.Join(p); err != nil && !errors.Is(err, membership.ErrNoPeer) {
					log.Warn("joining speakers", "error", err)
				}
			}
		}
	}()
	go func() {
		// Meet the other speakers before answering for anything.
		select {
		case <-time.After(o.JoinGrace):
		case <-mctx.Done():
		}
		ap.open()
	}()
	go watchFreeze(mctx, o, log, ap, members, refuted)
	mgrDone := make(chan error, 1)
	go func() { mgrDone <- mgr.Start(mctx) }()
	log.Info("speaker started", "bind", o.Membership.BindAddr)

	select {
	case err := <-mgrDone:
		return err
	case <-ctx.Done():
	}
	// Hand over: the others see us leave and announce; we keep answering
	// each address until we hear its successor claim it.
	log.Info("handing over")
	bgpDone := make(chan struct{})
	if bgpMode != nil {
		// BGP needs no successor: the routers have the other nodes'
		// routes. The routes are withdrawn (or kept, for a graceful
		// restart) while Layer 2 hands over, not after.
		bgpMode.applier.freeze()
		go func() {
			defer close(bgpDone)
			bgpMode.stop(log)
		}()
	} else {
		close(bgpDone)
	}
	if err := members.Leave(time.Second); err != nil {
		log.Warn("leaving", "error", err)
	}
	hctx, cancel := context.WithTimeout(context.Background(), o.HandoverTimeout+100*time.Millisecond)
	ap.handOverAll(hctx)
	cancel()
	ap.dropAll()
	ap.apply()
	<-bgpDone
	stopMgr()
	return <-mgrDone
}

// membershipFromCluster fills the bind address from this node's InternalIP
// and the gossip key from its Secret.
func (o *Options) membershipFromCluster(ctx context.Context, c client.Reader) error {
	if o.Membership.BindAddr == "" {
		var n corev1.Node
		if err := c.Get(ctx, types.NamespacedName{Name: o.NodeName}, &n); err != nil {
			return fmt.Errorf("read node %s for its InternalIP: %w", o.NodeName, err)
		}
		ip, ok := config.InternalIP(&n)
		if !ok {
			return fmt.Errorf("node %s has no InternalIP to bind the membership to", o.NodeName)
		}
		o.Membership.BindAddr = ip.String()
	}
	if o.SecretName != "" {
		key, err := o.gossipKey(ctx, c)
		if err != nil {
			return err
		}
		o.Membership.SecretKey = key
	}
	return nil
}

// gossipKey reads the key from its Secret, waiting while the Secret does
// not exist yet: on a fresh install the controller creates it, and the
// speakers may well start first. Any other error ends the speaker.
func (o *Options) gossipKey(ctx context.Context, c client.Reader) ([]byte, error) {
	key := types.NamespacedName{Namespace: o.SecretNamespace, Name: o.SecretName}
	told := false
	for {
		var s corev1.Secret
		err := c.Get(ctx, key, &s)
		if err == nil {
			return s.Data["key"], nil
		}
		if !apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("read memberlist secret %s: %w", key, err)
		}
		if !told {
			o.Logger.Info("waiting for the memberlist secret", "secret", key.String())
			told = true
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("read memberlist secret %s: %w", key, ctx.Err())
		case <-time.After(time.Second):
		}
	}
}

func serviceEvent(key string) event.GenericEvent {
	ns, name, _ := strings.Cut(key, "/")
	s := &corev1.Service{}
	s.Namespace, s.Name = ns, name
	return event.GenericEvent{Object: s}
}

// closeLogged runs a deferred Close whose error nobody can act on any more,
// so that it is at least seen.
func closeLogged(log *slog.Logger, what string, closeFn func() error) {
	if err := closeFn(); err != nil {
		log.Warn(what, "error", err)
	}
}
