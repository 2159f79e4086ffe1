package reconciler

import (
	"context"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/farol-lb/farol/internal/config"
	"github.com/farol-lb/farol/internal/ipam"
)

// Every decision about a Service is told three ways: an event for `kubectl
// describe`, one info line for `kubectl logs`, a metric. The log lines use
// the same keys everywhere (service, address, pool, reason) so that an
// operator can grep one address or one Service through the whole story.

// allocated reports a new or changed assignment, and the addresses the
// Service gave up for it.
func (r *ServiceReconciler) allocated(ctx context.Context, svc *corev1.Service, w config.ServiceRequest, out outcome) {
	logger := log.FromContext(ctx)
	key := svc.Namespace + "/" + svc.Name
	for _, msg := range w.Warnings {
		r.Recorder.Eventf(svc, nil, corev1.EventTypeWarning, "DeprecatedAnnotation", "Allocate", msg)
	}
	if out.conflict != "" {
		r.Recorder.Eventf(svc, nil, corev1.EventTypeWarning, "AddressConflict", "Allocate",
			"the address in status was claimed by an older Service (%s); assigned a new one", out.conflict)
	}
	if len(out.before.Addrs) > 0 && !slices.Equal(out.before.Addrs, out.assignment.Addrs) {
		logger.Info("released", "service", key, "address", joinAddrs(out.before.Addrs),
			"pool", poolOf(svc, out.before), "reason", "moved")
	}
	r.Recorder.Eventf(svc, nil, corev1.EventTypeNormal, "Allocated", "Allocate",
		"assigned %s from pool %q", joinAddrs(out.assignment.Addrs), out.assignment.Pool)
	logger.Info("allocated", "service", key, "address", joinAddrs(out.assignment.Addrs), "pool", out.assignment.Pool)
	r.Metrics.Allocations.WithLabelValues(out.assignment.Pool).Inc()
	if len(svc.Status.LoadBalancer.Ingress) == 0 {
		r.Metrics.TimeToAddress.Observe(r.Now().Sub(svc.CreationTimestamp.Time).Seconds())
	}
}

// released reports addresses given back: the Service was deleted or is no
// longer Farol's.
func (r *ServiceReconciler) released(ctx context.Context, key string, a ipam.Assignment, why string) {
	log.FromContext(ctx).Info("released", "service", key, "address", joinAddrs(a.Addrs), "pool", a.Pool, "reason", why)
}

// fail reports a Service that did not get what it asked for. Every attempt
// counts in the metric; the event and the log line come once per distinct
// failure.
func (r *ServiceReconciler) fail(ctx context.Context, svc *corev1.Service, held ipam.Assignment, reason, msg string) {
	key := svc.Namespace + "/" + svc.Name
	r.State.markPending(key)
	r.Metrics.Failures.WithLabelValues(reason).Inc()
	if len(held.Addrs) == 0 {
		r.Metrics.SetPending(key, reason)
	}
	if !r.State.firstReport(key, "failed "+reason+": "+msg) {
		return
	}
	r.Recorder.Eventf(svc, nil, corev1.EventTypeWarning, "AllocationFailed", "Allocate", "%s: %s", reason, msg)
	kv := []any{"service", key, "reason", reason, "message", msg}
	if len(held.Addrs) > 0 {
		// Say what the Service keeps meanwhile.
		kv = append(kv, "address", joinAddrs(held.Addrs), "pool", poolOf(svc, held))
	}
	log.FromContext(ctx).Info("allocation failed", kv...)
}

// orphaned reports, once, a Service that keeps an address outside every
// pool.
func (r *ServiceReconciler) orphaned(ctx context.Context, svc *corev1.Service, a ipam.Assignment) {
	key := svc.Namespace + "/" + svc.Name
	if !r.State.firstReport(key, "orphan "+joinAddrs(a.Addrs)) {
		return
	}
	r.Recorder.Eventf(svc, nil, corev1.EventTypeWarning, "AddressOrphaned", "Allocate",
		"%s is no longer in any address pool; the Service keeps it until an operator adds it back, deletes the Service or runs the controller with --reassign-orphans",
		joinAddrs(a.Addrs))
	log.FromContext(ctx).Info("orphan kept", "service", key, "address", joinAddrs(a.Addrs), "pool", poolOf(svc, a))
}

// poolOf names the pool an assignment came from. An orphan is in no pool
// any more; it keeps the name of the pool it was allocated from, which its
// farol.dev/allocated-from annotation still holds.
func poolOf(svc *corev1.Service, a ipam.Assignment) string {
	if a.Pool == "" && len(a.Addrs) > 0 {
		return svc.Annotations[AnnotationAllocatedFrom]
	}
	return a.Pool
}
