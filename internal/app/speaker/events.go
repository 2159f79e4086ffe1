package speaker

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/farol-lb/farol/internal/config"
)

// Events that change the world (Nodes, advertisements, pools, live
// speakers) enqueue no Service themselves: they mark the world stale and
// kick the redecide loop, which decides every known Service again in
// memory and reconciles only those whose decision changed. Updates that
// cannot change a decision — a Node heartbeat, a pool's status — are
// dropped here and cost nothing.

type queue = workqueue.TypedRateLimitingInterface[reconcile.Request]

// worldHandler marks the world stale on creates, deletes and the updates
// that changed reports as relevant.
func worldHandler(w *worlds, kick func(), changed func(oldObj, newObj client.Object) bool) handler.EventHandler {
	stale := func() {
		w.invalidate()
		kick()
	}
	return handler.Funcs{
		CreateFunc: func(context.Context, event.CreateEvent, queue) { stale() },
		DeleteFunc: func(context.Context, event.DeleteEvent, queue) { stale() },
		UpdateFunc: func(_ context.Context, e event.UpdateEvent, _ queue) {
			if changed(e.ObjectOld, e.ObjectNew) {
				stale()
			}
		},
		GenericFunc: func(context.Context, event.GenericEvent, queue) { stale() },
	}
}

// nodeChanged: what a decision reads of a Node is its labels, cordon,
// NetworkUnavailable condition and InternalIP; kubelet heartbeats change
// none of them.
func nodeChanged(oldObj, newObj client.Object) bool {
	o, okO := oldObj.(*corev1.Node)
	n, okN := newObj.(*corev1.Node)
	if !okO || !okN {
		return true
	}
	oi, _ := config.InternalIP(o)
	ni, _ := config.InternalIP(n)
	return !maps.Equal(o.Labels, n.Labels) || o.Spec.Unschedulable != n.Spec.Unschedulable ||
		config.Node(o).NetworkUnavailable != config.Node(n).NetworkUnavailable || oi != ni
}

// specChanged: advertisements and pools matter by their spec (generation)
// and labels (pool selectors), never by their status.
func specChanged(o, n client.Object) bool {
	return o.GetGeneration() != n.GetGeneration() || !maps.Equal(o.GetLabels(), n.GetLabels())
}

// sliceHandler enqueues a slice's Service when what the decision reads of
// it — which nodes have ready endpoints — changed.
func sliceHandler() handler.EventHandler {
	enqueue := func(o client.Object, q queue) {
		if name := o.GetLabels()[discoveryv1.LabelServiceName]; name != "" {
			q.Add(reconcile.Request{NamespacedName: types.NamespacedName{Namespace: o.GetNamespace(), Name: name}})
		}
	}
	return handler.Funcs{
		CreateFunc: func(_ context.Context, e event.CreateEvent, q queue) { enqueue(e.Object, q) },
		DeleteFunc: func(_ context.Context, e event.DeleteEvent, q queue) { enqueue(e.Object, q) },
		UpdateFunc: func(_ context.Context, e event.UpdateEvent, q queue) {
			o, okO := e.ObjectOld.(*discoveryv1.EndpointSlice)
			n, okN := e.ObjectNew.(*discoveryv1.EndpointSlice)
			if okO && okN && o.Labels[discoveryv1.LabelServiceName] == n.Labels[discoveryv1.LabelServiceName] &&
				slices.Equal(config.ReadyNodes([]discoveryv1.EndpointSlice{*o}), config.ReadyNodes([]discoveryv1.EndpointSlice{*n})) {
				return
			}
			enqueue(e.ObjectOld, q)
			enqueue(e.ObjectNew, q)
		},
	}
}

// peerHandler keeps the membership's peer list in step with the Nodes'
// InternalIPs; it enqueues nothing. Events only kick a refresh, which runs
// in its own loop (refreshPeersLoop), so thousands of Node events at start
// cost a handful of lists, not one each.
func peerHandler(kick func()) handler.EventHandler {
	return handler.Funcs{
		CreateFunc: func(context.Context, event.CreateEvent, queue) { kick() },
		DeleteFunc: func(context.Context, event.DeleteEvent, queue) { kick() },
		UpdateFunc: func(_ context.Context, e event.UpdateEvent, _ queue) {
			o, okO := e.ObjectOld.(*corev1.Node)
			n, okN := e.ObjectNew.(*corev1.Node)
			if !okO || !okN {
				return
			}
			a, _ := config.InternalIP(o)
			b, _ := config.InternalIP(n)
			if a != b {
				kick()
			}
		},
	}
}

// kicker returns a coalescing signal: a channel of one and a non-blocking
// send to it.
func kicker() (chan struct{}, func()) {
	c := make(chan struct{}, 1)
	return c, func() {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}

// loop runs fn whenever kicked, at most once per pause, so a burst of
// events (thousands of Nodes arriving at start) costs a few runs.
func loop(ctx context.Context, kick <-chan struct{}, pause time.Duration, log *slog.Logger, what string, fn func(context.Context) error) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-kick:
		}
		if err := fn(ctx); err != nil {
			log.Warn(what, "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
	}
}

// kickOn kicks on every create and delete, and on updates that changed
// says matter.
func kickOn(kick func(), changed func(oldObj, newObj client.Object) bool) handler.EventHandler {
	return handler.Funcs{
		CreateFunc: func(context.Context, event.CreateEvent, queue) { kick() },
		DeleteFunc: func(context.Context, event.DeleteEvent, queue) { kick() },
		UpdateFunc: func(_ context.Context, e event.UpdateEvent, _ queue) {
			if changed(e.ObjectOld, e.ObjectNew) {
				kick()
			}
		},
	}
}

// ownNode: of Node updates only this node's labels and addresses matter
// to its BGP sessions (peer node selectors, next hops).
func ownNode(self string) func(oldObj, newObj client.Object) bool {
	return func(o, n client.Object) bool {
		if n.GetName() != self {
			return false
		}
		return nodeChanged(o, n)
	}
}
