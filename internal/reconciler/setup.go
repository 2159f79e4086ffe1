package reconciler

import (
	"context"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
)

// poolStatusDelay is how long a pool's status refresh waits after an
// allocation, so a burst of allocations costs one status write.
const poolStatusDelay = 500 * time.Millisecond

// SetupWithManager registers the Service reconciler. Workers run in
// parallel: the allocator's lock is held for microseconds, the status write
// happens outside it.
func (r *ServiceReconciler) SetupWithManager(mgr ctrl.Manager, workers int) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("service").
		For(&corev1.Service{}).
		// A label change on a namespace can make a pool's
		// namespaceSelector match; retry the Services waiting there.
		WatchesMetadata(&corev1.Namespace{}, handler.EnqueueRequestsFromMapFunc(r.waitingIn)).
		WatchesRawSource(source.Channel(r.State.serviceEvents, &handler.EnqueueRequestForObject{})).
		WithOptions(controller.Options{MaxConcurrentReconciles: workers}).
		Complete(r)
}

func (r *ServiceReconciler) waitingIn(_ context.Context, ns client.Object) []reconcile.Request {
	return r.State.pendingIn(ns.GetName())
}

// SetupWithManager registers the AddressPool reconciler.
func (r *PoolReconciler) SetupWithManager(mgr ctrl.Manager) error {
	later := handler.Funcs{
		GenericFunc: func(_ context.Context, e event.GenericEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			q.AddAfter(reconcile.Request{NamespacedName: types.NamespacedName{Name: e.Object.GetName()}}, poolStatusDelay)
		},
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("addresspool").
		For(&farolv1.AddressPool{}).
		WatchesRawSource(source.Channel(r.State.poolEvents, later)).
		Complete(r)
}

func objectMeta(namespace, name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: namespace, Name: name}
}

// objectForKey is a stand-in Service for a "namespace/name" key, enough to
// enqueue it.
func objectForKey(key string) *corev1.Service {
	ns, name, _ := strings.Cut(key, "/")
	return &corev1.Service{ObjectMeta: objectMeta(ns, name)}
}

func (a *Allocations) pendingIn(ns string) []reconcile.Request {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []reconcile.Request
	for k := range a.pending {
		if n, name, _ := strings.Cut(k, "/"); n == ns {
			out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: n, Name: name}})
		}
	}
	return out
}
