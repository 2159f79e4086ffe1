package reconciler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/farol-lb/farol/internal/config"
	"github.com/farol-lb/farol/internal/ipam"
	"github.com/farol-lb/farol/internal/metrics"
)

// EventRecorder is the part of the events API the reconcilers use.
type EventRecorder interface {
	Eventf(regarding, related runtime.Object, eventtype, reason, action, note string, args ...any)
}

// ServiceReconciler gives LoadBalancer Services of Farol's class an address
// and takes it back when they go away.
type ServiceReconciler struct {
	Client   client.Client
	Recorder EventRecorder
	State    *Allocations
	Metrics  *metrics.Controller
	// DefaultClass makes Farol serve Services without a
	// spec.loadBalancerClass.
	DefaultClass bool
	// ReassignOrphans moves a Service whose address left every pool to a
	// new address instead of keeping it with a warning.
	ReassignOrphans bool
	// Now is the clock, for the time-to-address metric.
	Now func() time.Time
}

// Ours says whether Farol is responsible for a Service.
func (r *ServiceReconciler) Ours(s *corev1.Service) bool {
	return config.Ours(s, r.DefaultClass)
}

// +kubebuilder:rbac:groups="",resources=services,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=services/status,verbs=get;update;patch
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch;update

// Reconcile converges one Service: it holds exactly the addresses the
// allocator gave it, written once into its status.
func (r *ServiceReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	if err := r.State.ensureLoaded(ctx, r.Ours); err != nil {
		return ctrl.Result{}, err
	}
	key := req.String()
	var svc corev1.Service
	if err := r.Client.Get(ctx, req.NamespacedName, &svc); err != nil {
		if apierrors.IsNotFound(err) {
			r.release(ctx, key, "deleted")
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, err
	}
	if !r.Ours(&svc) || svc.DeletionTimestamp != nil {
		return ctrl.Result{}, r.giveBack(ctx, &svc)
	}

	nsLabels, err := r.namespaceLabels(ctx, svc.Namespace)
	if err != nil {
		return ctrl.Result{}, err
	}
	w, err := config.ReadRequest(&svc, nsLabels)
	if err != nil {
		held, _ := r.State.lookup(key)
		r.fail(ctx, &svc, held, "InvalidRequest", err.Error())
		return ctrl.Result{}, nil
	}
	out := r.State.assign(w, config.IngressAddrs(&svc), r.ReassignOrphans)
	if out.err == nil {
		r.Metrics.ForgetPending(key)
	} else {
		r.fail(ctx, &svc, out.assignment, failureReason(out.err), out.err.Error())
		if out.assignment.Pool == "" && len(out.assignment.Addrs) == 0 {
			return ctrl.Result{}, nil
		}
		// The Service keeps what it had; make sure status says so.
	}
	if out.changed {
		r.allocated(ctx, &svc, w, out)
		r.State.touchPool(out.assignment.Pool)
		r.State.touchPool(out.released)
		if out.freed {
			r.State.retryWaiting(false)
		}
	}
	err = r.writeStatus(ctx, &svc, out.assignment)
	if out.orphan {
		// After the write, so that whoever sees the warning also sees
		// the status it describes.
		r.orphaned(ctx, &svc, out.assignment)
	}
	return ctrl.Result{}, err
}

// release forgets a deleted Service's addresses.
func (r *ServiceReconciler) release(ctx context.Context, key, why string) {
	r.Metrics.ForgetPending(key)
	if a, ok := r.State.release(key); ok {
		r.released(ctx, key, a, why)
		r.State.touchPool(a.Pool)
		r.State.retryWaiting(false)
	}
}

// giveBack releases a Service Farol no longer serves (type or class changed)
// and removes the addresses Farol wrote, leaving other controllers' status
// alone.
func (r *ServiceReconciler) giveBack(ctx context.Context, svc *corev1.Service) error {
	key := svc.Namespace + "/" + svc.Name
	r.Metrics.ForgetPending(key)
	a, held := r.State.lookup(key)
	if !held {
		return nil
	}
	if svc.DeletionTimestamp != nil {
		r.release(ctx, key, "deleted")
		return nil
	}
	r.release(ctx, key, "no longer a LoadBalancer of class "+Class)
	var keep []corev1.LoadBalancerIngress
	for _, in := range svc.Status.LoadBalancer.Ingress {
		if ip, err := netip.ParseAddr(in.IP); err != nil || !slices.Contains(a.Addrs, ip.Unmap()) {
			keep = append(keep, in)
		}
	}
	r.Recorder.Eventf(svc, nil, corev1.EventTypeNormal, "Released", "Release",
		"released %s: the Service is no longer a LoadBalancer of class %s", joinAddrs(a.Addrs), Class)
	return r.patchStatus(ctx, svc, keep, nil)
}

// writeStatus writes the addresses and the pool annotation in one request.
// The status subresource of a Service keeps metadata changes (the API
// server resets only spec on it), so one merge patch carries both and each
// Service is written once per assignment.
func (r *ServiceReconciler) writeStatus(ctx context.Context, svc *corev1.Service, a ipam.Assignment) error {
	vip := corev1.LoadBalancerIPModeVIP
	want := make([]corev1.LoadBalancerIngress, 0, len(a.Addrs))
	for _, ip := range a.Addrs {
		want = append(want, corev1.LoadBalancerIngress{IP: ip.String(), IPMode: &vip})
	}
	// An orphan keeps the annotation naming the pool it came from: the
	// speaker finds the advertisements for an address through it, and the
	// address is still in use. Only a Service without addresses loses it.
	from := poolOf(svc, a)
	if ingressEqual(svc.Status.LoadBalancer.Ingress, want) && svc.Annotations[AnnotationAllocatedFrom] == from {
		return nil
	}
	var pool *string
	if from != "" {
		pool = &from
	}
	return r.patchStatus(ctx, svc, want, pool)
}

func (r *ServiceReconciler) patchStatus(ctx context.Context, svc *corev1.Service, ingress []corev1.LoadBalancerIngress, pool *string) error {
	if ingress == nil {
		ingress = []corev1.LoadBalancerIngress{}
	}
	patch := map[string]any{
		"metadata": map[string]any{"annotations": map[string]any{AnnotationAllocatedFrom: pool}},
		"status":   map[string]any{"loadBalancer": map[string]any{"ingress": ingress}},
	}
	body, err := json.Marshal(patch)
	if err != nil {
		return fmt.Errorf("encode status patch: %w", err)
	}
	if err := r.Client.Status().Patch(ctx, svc, client.RawPatch(types.MergePatchType, body)); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("write status of %s/%s: %w", svc.Namespace, svc.Name, err)
	}
	log.FromContext(ctx).V(1).Info("wrote status", "ingress", len(ingress), "pool", pool)
	return nil
}

func (r *ServiceReconciler) namespaceLabels(ctx context.Context, name string) (map[string]string, error) {
	var ns metav1.PartialObjectMetadata
	ns.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Namespace"))
	if err := r.Client.Get(ctx, types.NamespacedName{Name: name}, &ns); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("get namespace %s: %w", name, err)
	}
	return ns.Labels, nil
}

// failureReason names an allocation failure for events and metrics.
func failureReason(err error) string {
	for _, c := range []struct {
		err    error
		reason string
	}{
		{ipam.ErrNoPool, "NoMatchingPool"},
		{ipam.ErrExhausted, "PoolExhausted"},
		{ipam.ErrInUse, "AddressInUse"},
		{ipam.ErrNotShareable, "SharingRefused"},
		{ipam.ErrOutsidePool, "AddressOutsidePools"},
		{ipam.ErrFamilyUnavailable, "FamilyUnavailable"},
		{ipam.ErrUnknownPool, "UnknownPool"},
	} {
		if errors.Is(err, c.err) {
			return c.reason
		}
	}
	return "Failed"
}

func ingressEqual(have, want []corev1.LoadBalancerIngress) bool {
	if len(have) != len(want) {
		return false
	}
	for i := range have {
		if have[i].IP != want[i].IP || have[i].Hostname != "" || len(have[i].Ports) != 0 ||
			have[i].IPMode == nil || *have[i].IPMode != *want[i].IPMode {
			return false
		}
	}
	return true
}

func joinAddrs(as []netip.Addr) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}
