package reconciler

import (
	"context"
	"fmt"
	"math/big"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/config"
	"github.com/farol-lb/farol/internal/ipam"
	"github.com/farol-lb/farol/internal/metrics"
)

// PoolReconciler keeps the allocator's pool configuration in step with the
// AddressPool objects and reports each pool's usage and verdict in its
// status. Status writes happen here, off the allocation path: allocations
// only nudge this reconciler, and its queue folds a burst into one write.
type PoolReconciler struct {
	Client   client.Client
	Recorder EventRecorder
	State    *Allocations
	Metrics  *metrics.Controller
	Ours     func(*corev1.Service) bool
}

// +kubebuilder:rbac:groups=farol.dev,resources=addresspools,verbs=get;list;watch
// +kubebuilder:rbac:groups=farol.dev,resources=addresspools/status,verbs=get;update;patch

// Reconcile applies the whole pool configuration (pools depend on each other
// through overlaps) and then writes one pool's status.
func (r *PoolReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	if err := r.State.ensureLoaded(ctx, r.Ours); err != nil {
		return ctrl.Result{}, err
	}
	var list farolv1.AddressPoolList
	if err := r.Client.List(ctx, &list); err != nil {
		return ctrl.Result{}, fmt.Errorf("list address pools: %w", err)
	}
	states, changed, err := r.State.syncPools(list.Items)
	if err != nil {
		return ctrl.Result{}, err
	}
	if changed {
		// Verdicts of other pools may have changed too (an overlap went
		// away), and Services waiting for an address may now get one.
		for _, p := range list.Items {
			if p.Name != req.Name {
				r.State.touchPool(p.Name)
			}
		}
		go r.State.retryWaiting(true)
	}

	var pool farolv1.AddressPool
	if err := r.Client.Get(ctx, req.NamespacedName, &pool); err != nil {
		if apierrors.IsNotFound(err) {
			r.Metrics.ForgetPool(req.Name)
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, err
	}
	var st config.PoolState
	for _, s := range states {
		if s.Pool.Name == pool.Name {
			st = s
		}
	}
	usage := r.State.usage(pool.Name)
	r.Metrics.SetPoolUsage(pool.Name, usage)
	return ctrl.Result{}, r.writeStatus(ctx, &pool, st, usage)
}

func (r *PoolReconciler) writeStatus(ctx context.Context, pool *farolv1.AddressPool, st config.PoolState, usage map[ipam.Family]ipam.Usage) error {
	status := pool.Status.DeepCopy()
	status.ObservedGeneration = pool.Generation
	status.IPv4 = familyUsage(usage, ipam.IPv4)
	status.IPv6 = familyUsage(usage, ipam.IPv6)
	status.Capacity, status.InUse = summary(usage)
	cond := metav1.Condition{
		Type:               farolv1.ConditionReady,
		Status:             metav1.ConditionTrue,
		Reason:             st.Reason,
		Message:            st.Message,
		ObservedGeneration: pool.Generation,
	}
	if !st.Ready() {
		cond.Status = metav1.ConditionFalse
	}
	old := meta.FindStatusCondition(status.Conditions, farolv1.ConditionReady)
	turnedBad := !st.Ready() && (old == nil || old.Status != metav1.ConditionFalse || old.Reason != st.Reason || old.Message != st.Message)
	meta.SetStatusCondition(&status.Conditions, cond)
	if equality.Semantic.DeepEqual(*status, pool.Status) {
		return nil
	}
	if turnedBad {
		r.Recorder.Eventf(pool, nil, corev1.EventTypeWarning, st.Reason, "Validate", "%s", st.Message)
	}
	pool.Status = *status
	if err := r.Client.Status().Update(ctx, pool); err != nil {
		return fmt.Errorf("write status of pool %s: %w", pool.Name, err)
	}
	return nil
}

func familyUsage(u map[ipam.Family]ipam.Usage, f ipam.Family) *farolv1.FamilyUsage {
	fu, ok := u[f]
	if !ok || fu.Capacity == nil || fu.Capacity.Sign() == 0 {
		return nil
	}
	return &farolv1.FamilyUsage{Capacity: fu.Capacity.String(), InUse: int64(fu.InUse)}
}

// summary gives the Capacity and Used printer columns: exact counts for
// IPv4, powers of two for the huge IPv6 blocks nobody reads digit by digit.
func summary(u map[ipam.Family]ipam.Usage) (string, int64) {
	var parts []string
	var used int64
	for _, f := range []ipam.Family{ipam.IPv4, ipam.IPv6} {
		fu, ok := u[f]
		if !ok || fu.Capacity == nil || fu.Capacity.Sign() == 0 {
			continue
		}
		used += int64(fu.InUse)
		parts = append(parts, humanCount(fu.Capacity))
	}
	switch len(parts) {
	case 0:
		return "0", used
	case 1:
		return parts[0], used
	}
	return parts[0] + " + " + parts[1], used
}

func humanCount(n *big.Int) string {
	if n.BitLen() <= 20 {
		return n.String()
	}
	// A power of two reads as one ("2^64"); anything else is rounded.
	if new(big.Int).And(n, new(big.Int).Sub(n, big.NewInt(1))).Sign() == 0 {
		return fmt.Sprintf("2^%d", n.BitLen()-1)
	}
	f, _ := new(big.Float).SetInt(n).Float64()
	return fmt.Sprintf("%.3g", f)
}

func (a *Allocations) usage(pool string) map[ipam.Family]ipam.Usage {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.alloc.Usage(pool)
}
