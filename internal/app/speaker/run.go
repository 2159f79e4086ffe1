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
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/announce/l2"
	appctrl "github.com/farol-lb/farol/internal/app/controller"
	"github.com/farol-lb/farol/internal/membership"
	"github.com/farol-lb/farol/internal/speaker"
)

// claimMemory is how long another node's claim of an address, heard on the
// wire, counts as "it answers for it now" (speaker.Handover.Memory): a
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
	scheme, err := appctrl.Scheme()
	if err != nil {
		return err
	}
	skip := true // several speakers run in one test process
	mgr, err := ctrl.NewManager(o.Config, ctrl.Options{
		Scheme:                 scheme,
		Logger:                 logr.FromSlogHandler(log.Handler()),
		Metrics:                metricsserver.Options{BindAddress: o.MetricsAddress},
		HealthProbeBindAddress: o.HealthAddress,
		Controller:             config.Controller{SkipNameValidation: &skip},
		Cache:                  cacheOptions(),
	})
	if err != nil {
		return fmt.Errorf("create manager: %w", err)
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return err
	}

	if err := o.membershipFromCluster(ctx, mgr.GetAPIReader()); err != nil {
		return err
	}
	members, err := membership.Start(ctx, o.Membership)
	if err != nil {
		return fmt.Errorf("start membership: %w", err)
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
	ann := l2.New(l2o)
	defer closeLogged(log, "closing the announcer", ann.Close)

	again := make(chan event.GenericEvent, 4096)
	ap = newApplier(ann, speaker.NewHandover(o.HandoverTimeout, claimMemory), log, time.Now,
		func(svc string) { again <- serviceEvent(svc) })
	// Joins run one at a time in their own goroutine, always with the
	// latest peer list.
	peers := make(chan []string, 1)
	w := &worlds{
		reader: mgr.GetClient(),
		live:   members.Live,
		join: func(p []string) {
			select {
			case <-peers:
			default:
			}
			peers <- p
		},
	}
	r := &serviceReconciler{
		client: mgr.GetClient(), recorder: mgr.GetEventRecorder("farol-speaker"),
		self: o.NodeName, worlds: w, applier: ap, owned: ann.Owned, metrics: m,
		reported: map[string]string{}, written: map[string]written{},
	}
	everything := allServices(mgr.GetClient(), w)
	peerKick := make(chan struct{}, 1)
	memberEvents := make(chan event.GenericEvent, 1)
	err = ctrl.NewControllerManagedBy(mgr).
		Named("speaker").
		For(&corev1.Service{}).
		Watches(&discoveryv1.EndpointSlice{}, handler.EnqueueRequestsFromMapFunc(sliceService)).
		Watches(&corev1.Node{}, everything).
		Watches(&corev1.Node{}, peerHandler(peerKick)).
		Watches(&farolv1.L2Advertisement{}, everything).
		Watches(&farolv1.AddressPool{}, everything).
		WatchesRawSource(source.Channel(memberEvents, everything)).
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
				memberEvents <- event.GenericEvent{Object: &corev1.Node{}}
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
	go refreshPeersLoop(mctx, w, peerKick, log)
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
	if err := members.Leave(time.Second); err != nil {
		log.Warn("leaving", "error", err)
	}
	hctx, cancel := context.WithTimeout(context.Background(), o.HandoverTimeout+100*time.Millisecond)
	ap.handOverAll(hctx)
	cancel()
	ap.dropAll()
	ap.apply()
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
		ip, ok := internalIP(&n)
		if !ok {
			return fmt.Errorf("node %s has no InternalIP to bind the membership to", o.NodeName)
		}
		o.Membership.BindAddr = ip.String()
	}
	if o.SecretName != "" {
		var s corev1.Secret
		if err := c.Get(ctx, types.NamespacedName{Namespace: o.SecretNamespace, Name: o.SecretName}, &s); err != nil {
			return fmt.Errorf("read memberlist secret %s/%s: %w", o.SecretNamespace, o.SecretName, err)
		}
		o.Membership.SecretKey = s.Data["key"]
	}
	return nil
}

func serviceEvent(key string) event.GenericEvent {
	ns, name, _ := strings.Cut(key, "/")
	s := &corev1.Service{}
	s.Namespace, s.Name = ns, name
	return event.GenericEvent{Object: s}
}

func sliceService(_ context.Context, o client.Object) []reconcile.Request {
	name := o.GetLabels()[discoveryv1.LabelServiceName]
	if name == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: o.GetNamespace(), Name: name}}}
}

// allServices is the handler for cluster-wide changes: the world is stale,
// and every Service with an address must be decided again.
func allServices(c client.Reader, w *worlds) handler.EventHandler {
	enqueue := func(ctx context.Context, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
		w.invalidate()
		var list corev1.ServiceList
		if err := c.List(ctx, &list); err != nil {
			return
		}
		for _, s := range list.Items {
			if len(s.Status.LoadBalancer.Ingress) > 0 {
				q.Add(reconcile.Request{NamespacedName: types.NamespacedName{Namespace: s.Namespace, Name: s.Name}})
			}
		}
	}
	return handler.Funcs{
		CreateFunc: func(ctx context.Context, _ event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueue(ctx, q)
		},
		UpdateFunc: func(ctx context.Context, _ event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueue(ctx, q)
		},
		DeleteFunc: func(ctx context.Context, _ event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueue(ctx, q)
		},
		GenericFunc: func(ctx context.Context, _ event.GenericEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueue(ctx, q)
		},
	}
}

// peerHandler keeps the membership's peer list in step with the Nodes'
// InternalIPs; it enqueues nothing. Events only kick a refresh, which runs
// in its own loop (refreshPeersLoop), so thousands of Node events at start
// cost a handful of lists, not one each.
func peerHandler(kick chan<- struct{}) handler.EventHandler {
	poke := func() {
		select {
		case kick <- struct{}{}:
		default:
		}
	}
	return handler.Funcs{
		CreateFunc: func(context.Context, event.CreateEvent, workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			poke()
		},
		UpdateFunc: func(_ context.Context, e event.UpdateEvent, _ workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			o, okO := e.ObjectOld.(*corev1.Node)
			n, okN := e.ObjectNew.(*corev1.Node)
			if !okO || !okN {
				return
			}
			a, _ := internalIP(o)
			b, _ := internalIP(n)
			if a != b {
				poke()
			}
		},
		DeleteFunc: func(context.Context, event.DeleteEvent, workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			poke()
		},
	}
}

// refreshPeersLoop refreshes the peer list when kicked, at most every
// 200 ms.
func refreshPeersLoop(ctx context.Context, w *worlds, kick <-chan struct{}, log *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-kick:
		}
		if err := w.refreshPeers(ctx); err != nil {
			log.Warn("finding the other speakers", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// cacheOptions trims what the caches hold: managed fields everywhere, and
// Node status down to what the decision reads, so that thousands of Nodes
// and EndpointSlices fit in a speaker's memory.
func cacheOptions() cache.Options {
	return cache.Options{
		DefaultTransform: cache.TransformStripManagedFields(),
		ByObject: map[client.Object]cache.ByObject{
			&corev1.Node{}:               {Transform: trimNode},
			&discoveryv1.EndpointSlice{}: {Transform: trimSlice},
		},
	}
}

func trimNode(o any) (any, error) {
	n, ok := o.(*corev1.Node)
	if !ok {
		return o, nil
	}
	n.ManagedFields = nil
	n.Annotations = nil
	n.Status.Images = nil
	n.Status.VolumesInUse = nil
	n.Status.VolumesAttached = nil
	n.Status.NodeInfo = corev1.NodeSystemInfo{}
	n.Status.Capacity, n.Status.Allocatable = nil, nil
	return n, nil
}

// trimSlice keeps of an EndpointSlice what the decision reads: which nodes
// have ready endpoints.
func trimSlice(o any) (any, error) {
	s, ok := o.(*discoveryv1.EndpointSlice)
	if !ok {
		return o, nil
	}
	s.ManagedFields = nil
	s.Annotations = nil
	s.Ports = nil
	for i := range s.Endpoints {
		e := &s.Endpoints[i]
		e.Addresses, e.TargetRef, e.Hints, e.Hostname, e.Zone = nil, nil, nil, nil, nil
		e.DeprecatedTopology = nil
	}
	return s, nil
}

// watchFreeze notices that this process was stopped (SIGSTOP, a paused VM)
// longer than FreezeThreshold: the monotonic clock jumps between two ticks.
// The other speakers have probably declared this node dead and answer for
// its addresses; answering too would make two nodes answer until the
// membership heals. So the node goes quiet and exchanges state with the
// others until one answers (its link may still be coming up). If they had
// declared it dead, it learns so in that exchange and refutes, and they see
// it alive again a few gossip rounds later; if not, nothing was taken over.
// Either way it then answers again with a fresh gratuitous burst, which the
// nodes that stood in hear and yield to.
func watchFreeze(ctx context.Context, o Options, log *slog.Logger, ap *applier, members *membership.Members, refuted <-chan struct{}) {
	const tick = 100 * time.Millisecond
	t := time.NewTicker(tick)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := time.Now()
		gap := now.Sub(last)
		last = now
		if gap < o.FreezeThreshold {
			continue
		}
		log.Warn("this node was frozen; quiet until the other speakers see it alive again", "frozenFor", gap.Round(time.Millisecond))
		ap.shut()
		if !rejoinAfterFreeze(ctx, members, refuted, 5*time.Second, tick) {
			log.Warn("no other speaker reached after the freeze; answering again all the same")
		}
		if ctx.Err() != nil {
			return
		}
		log.Info("answering again after the freeze")
		ap.open()
		last = time.Now()
	}
}

// rejoinAfterFreeze exchanges state with the other members until one
// answers or bound passes, and, if this member turned out to have been
// declared dead (it refuted), waits a few gossip rounds for its alive
// message to spread. It reports whether a member answered.
func rejoinAfterFreeze(ctx context.Context, members *membership.Members, refuted <-chan struct{}, bound, tick time.Duration) bool {
	select {
	case <-refuted: // from before the freeze
	default:
	}
	deadline := time.Now().Add(bound)
	for {
		if _, err := members.Resync(); err == nil {
			break
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(tick):
		}
	}
	// The refutation happens during the exchange; its signal may trail it.
	select {
	case <-refuted:
		time.Sleep(2 * tick)
	case <-time.After(tick / 2):
	case <-ctx.Done():
	}
	return true
}

// closeLogged runs a deferred Close whose error nobody can act on any more,
// so that it is at least seen.
func closeLogged(log *slog.Logger, what string, closeFn func() error) {
	if err := closeFn(); err != nil {
		log.Warn(what, "error", err)
	}
}
