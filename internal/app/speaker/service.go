package speaker

import (
	"context"
	"fmt"
	"net/netip"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/farol-lb/farol/internal/config"
	"github.com/farol-lb/farol/internal/decision"
)

// eventRecorder is the part of the events API the speaker uses.
type eventRecorder interface {
	Eventf(regarding, related runtime.Object, eventtype, reason, action, note string, args ...any)
}

// serviceReconciler decides one Service's announcements and records this
// node's part; one Service's change never reprocesses the others.
type serviceReconciler struct {
	client   client.Client
	slices   sliceIndex
	recorder eventRecorder
	self     string
	worlds   *worlds
	// appliers carry out this node's part of the decision, one per mode:
	// Layer 2 today; BGP and the interface mode add theirs.
	appliers map[decision.Mode]modeApplier
	answered func(addrs ...netip.Addr) map[netip.Addr][]string
	metrics  *speakerMetrics
	// initial learns which Services were decided since the start; nil
	// when nothing waits for it.
	initial *initialPass

	mu       sync.Mutex
	reported map[string]string  // Service -> last "not announced" reason reported
	written  map[string]written // Service -> this speaker's last owner write
}

// +kubebuilder:rbac:groups="",resources=services,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups="",resources=nodes,verbs=get;list;watch
// +kubebuilder:rbac:groups=discovery.k8s.io,resources=endpointslices,verbs=get;list;watch
// +kubebuilder:rbac:groups=farol.dev,resources=l2advertisements;addresspools,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch;update
// The gossip key, read once at start by name (membershipFromCluster);
// a Role in farol-system, so no other Secret is readable.
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get,resourceNames=farol-memberlist,namespace=farol-system

func (r *serviceReconciler) Reconcile(ctx context.Context, req ctrl.Request) (_ ctrl.Result, err error) {
	key := req.String()
	if r.initial != nil {
		defer func() {
			if err == nil {
				r.initial.decided(key)
			}
		}()
	}
	var svc corev1.Service
	if err := r.client.Get(ctx, req.NamespacedName, &svc); err != nil {
		if apierrors.IsNotFound(err) {
			r.apply(key, nil)
			r.worlds.forget(key)
			r.metrics.setUnannounced(key, 0)
			r.mu.Lock()
			delete(r.reported, key)
			delete(r.written, key)
			r.mu.Unlock()
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, err
	}
	in, ok, err := r.input(&svc)
	if err != nil {
		return ctrl.Result{}, err
	}
	if !ok {
		r.apply(key, nil)
		r.worlds.forget(key)
		r.metrics.setUnannounced(key, 0)
		return ctrl.Result{}, r.recordOwners(ctx, &svc, nil)
	}
	anns, err := r.worlds.decide(ctx, in)
	if err != nil {
		return ctrl.Result{}, err
	}
	r.apply(key, anns)
	r.reportUnannounced(&svc, anns)
	return ctrl.Result{}, r.recordOwners(ctx, &svc, anns)
}

// modeApplier carries out one mode's announcements on this node.
type modeApplier interface {
	// set replaces a Service's announcements that this node makes.
	set(service string, mine []decision.Announcement)
}

var _ modeApplier = (*applier)(nil)

// apply hands each mode's applier the announcements this node makes.
func (r *serviceReconciler) apply(key string, anns []decision.Announcement) {
	for mode, ap := range r.appliers {
		var mine []decision.Announcement
		for _, a := range anns {
			if a.Mode == mode && a.Announces(r.self) {
				mine = append(mine, a)
			}
		}
		ap.set(key, mine)
	}
}

// input reads the Service and its endpoints; false if Farol gave it no
// address.
func (r *serviceReconciler) input(svc *corev1.Service) (decision.Service, bool, error) {
	if _, ok := config.Service(svc, nil); !ok {
		return decision.Service{}, false, nil
	}
	slices, err := r.slices.of(svc.Namespace, svc.Name)
	if err != nil {
		// Not "no ready endpoint": that would withdraw the address.
		return decision.Service{}, false, fmt.Errorf("list EndpointSlices of %s/%s: %w", svc.Namespace, svc.Name, err)
	}
	in, ok := config.Service(svc, slices)
	return in, ok, nil
}

// reportUnannounced counts the allocated addresses nobody announces and
// explains, once per reason, why. One speaker sends the event, the first
// live one by name, so it is not repeated by every node.
func (r *serviceReconciler) reportUnannounced(svc *corev1.Service, anns []decision.Announcement) {
	key := svc.Namespace + "/" + svc.Name
	reason, n := "", 0
	for _, a := range anns {
		if len(a.Nodes) == 0 {
			reason = a.Reason
			n++
		}
	}
	r.metrics.setUnannounced(key, n)
	r.mu.Lock()
	last := r.reported[key]
	if reason == "" {
		// Most Services are announced: remember only those that are not.
		delete(r.reported, key)
	} else {
		r.reported[key] = reason
	}
	r.mu.Unlock()
	if reason == "" || reason == last || !r.worlds.firstLive(r.self) {
		return
	}
	r.recorder.Eventf(svc, nil, corev1.EventTypeWarning, "NotAnnounced", "Announce", "allocated but not announced: %s", reason)
}
