package reconciler

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
)

// readyReconciler writes the Ready condition of one kind of configuration
// object from internal/config's verdict on it: Ready=False with reason
// Invalid and the fields named, plus one Warning event per new message,
// for what the API server let through but the speakers can only skip. The
// status is written only when the condition changed.
type readyReconciler[T client.Object] struct {
	client   client.Client
	recorder EventRecorder
	kind     string
	object   func() T
	// conditions points into the object's status.
	conditions func(T) *[]metav1.Condition
	// check judges the object; the error is for reads that failed.
	check func(context.Context, T) (field.ErrorList, error)
	// okMessage is the Ready=True message.
	okMessage string
	// invalidEffect says, in the event, what an invalid object does.
	invalidEffect string
}

func (r *readyReconciler[T]) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	obj := r.object()
	if err := r.client.Get(ctx, req.NamespacedName, obj); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	errs, err := r.check(ctx, obj)
	if err != nil {
		return ctrl.Result{}, err
	}
	cond := metav1.Condition{
		Type:               farolv1.ConditionReady,
		Status:             metav1.ConditionTrue,
		Reason:             farolv1.ReasonReady,
		Message:            r.okMessage,
		ObservedGeneration: obj.GetGeneration(),
	}
	if len(errs) > 0 {
		cond.Status, cond.Reason, cond.Message = metav1.ConditionFalse, farolv1.ReasonInvalid, errs.ToAggregate().Error()
	}
	conds := r.conditions(obj)
	old := meta.FindStatusCondition(*conds, farolv1.ConditionReady)
	if old != nil && old.Status == cond.Status && old.Reason == cond.Reason && old.Message == cond.Message && old.ObservedGeneration == cond.ObservedGeneration {
		return ctrl.Result{}, nil
	}
	meta.SetStatusCondition(conds, cond)
	if err := r.client.Status().Update(ctx, obj); err != nil {
		if apierrors.IsNotFound(err) {
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, fmt.Errorf("write status of %s %s: %w", r.kind, obj.GetName(), err)
	}
	if cond.Status == metav1.ConditionFalse && (old == nil || old.Message != cond.Message) {
		r.recorder.Eventf(obj, nil, corev1.EventTypeWarning, farolv1.ReasonInvalid, "Validate", "%s until fixed: %s", r.invalidEffect, cond.Message)
	}
	ctrl.LoggerFrom(ctx).Info("configuration checked", "kind", r.kind, "name", obj.GetName(), "ready", cond.Status, "message", cond.Message)
	return ctrl.Result{}, nil
}

var _ reconcile.Reconciler = (*readyReconciler[client.Object])(nil)
