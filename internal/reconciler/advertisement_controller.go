package reconciler

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/config"
)

// AdvertisementReconciler tells whether each L2Advertisement is in use: a
// selector the API server let through but that does not parse makes it
// select nothing, which the speakers can only skip; here it becomes
// Ready=False with the field named, and a Warning event, written once by
// the controller rather than by every speaker.
type AdvertisementReconciler struct {
	Client   client.Client
	Recorder EventRecorder
}

// +kubebuilder:rbac:groups=farol.dev,resources=l2advertisements,verbs=get;list;watch
// +kubebuilder:rbac:groups=farol.dev,resources=l2advertisements/status,verbs=get;update;patch

// Reconcile validates one advertisement and writes its Ready condition
// when it changed.
func (r *AdvertisementReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var ad farolv1.L2Advertisement
	if err := r.Client.Get(ctx, req.NamespacedName, &ad); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	// Pools do not change whether the selectors parse: none needed here.
	_, errs := config.L2Advertisement(&ad, nil)
	cond := metav1.Condition{
		Type:               farolv1.ConditionReady,
		Status:             metav1.ConditionTrue,
		Reason:             farolv1.ReasonReady,
		Message:            "selectors valid",
		ObservedGeneration: ad.Generation,
	}
	if len(errs) > 0 {
		cond.Status, cond.Reason, cond.Message = metav1.ConditionFalse, farolv1.ReasonInvalid, errs.ToAggregate().Error()
	}
	old := meta.FindStatusCondition(ad.Status.Conditions, farolv1.ConditionReady)
	if old != nil && old.Status == cond.Status && old.Reason == cond.Reason && old.Message == cond.Message && old.ObservedGeneration == cond.ObservedGeneration {
		return ctrl.Result{}, nil
	}
	meta.SetStatusCondition(&ad.Status.Conditions, cond)
	if err := r.Client.Status().Update(ctx, &ad); err != nil {
		if apierrors.IsNotFound(err) {
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, fmt.Errorf("write status of L2Advertisement %s: %w", ad.Name, err)
	}
	if cond.Status == metav1.ConditionFalse && (old == nil || old.Message != cond.Message) {
		r.Recorder.Eventf(&ad, nil, corev1.EventTypeWarning, farolv1.ReasonInvalid, "Validate",
			"selects nothing until fixed: %s", cond.Message)
	}
	ctrl.LoggerFrom(ctx).Info("advertisement checked", "advertisement", ad.Name, "ready", cond.Status, "message", cond.Message)
	return ctrl.Result{}, nil
}

// SetupWithManager registers the reconciler; its own status writes do not
// trigger it (generation only).
func (r *AdvertisementReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("l2advertisement").
		For(&farolv1.L2Advertisement{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Complete(r)
}

var _ reconcile.Reconciler = (*AdvertisementReconciler)(nil)
