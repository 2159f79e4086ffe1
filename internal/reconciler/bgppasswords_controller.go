package reconciler

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/config"
)

// BGPPasswordsSecret is the Secret, in the controller's namespace, that
// holds the TCP MD5 password of every BGPPeer that has one, keyed by peer
// name.
const BGPPasswordsSecret = config.BGPPasswordsSecret

// BGPPasswordsReconciler copies each BGPPeer's password from the Secret
// the user named into BGPPasswordsSecret. The speakers may read that one
// Secret by name: a rule for the user's Secrets, whose names RBAC cannot
// know, would have to cover every Secret in the namespace, the webhook's
// private key included, on every node.
type BGPPasswordsReconciler struct {
	Client    client.Client
	Namespace string
}

// +kubebuilder:rbac:groups=farol.dev,resources=bgppeers,verbs=get;list;watch

// the one request every change maps to: the copy is rebuilt whole.
var bgpPasswordsRequest = reconcile.Request{NamespacedName: types.NamespacedName{Name: BGPPasswordsSecret}}

// Reconcile rebuilds the copy and writes it when it differs.
func (r *BGPPasswordsReconciler) Reconcile(ctx context.Context, _ ctrl.Request) (ctrl.Result, error) {
	var peers farolv1.BGPPeerList
	if err := r.Client.List(ctx, &peers); err != nil {
		return ctrl.Result{}, err
	}
	want := map[string][]byte{}
	for _, p := range peers.Items {
		ref := p.Spec.PasswordSecretRef
		if ref == nil || p.DeletionTimestamp != nil {
			continue
		}
		key := ref.Key
		if key == "" {
			key = "password"
		}
		var s corev1.Secret
		err := r.Client.Get(ctx, types.NamespacedName{Namespace: r.Namespace, Name: ref.Name}, &s)
		if apierrors.IsNotFound(err) {
			ctrl.LoggerFrom(ctx).Info("BGP password Secret missing", "peer", p.Name, "secret", r.Namespace+"/"+ref.Name)
			continue
		}
		if err != nil {
			return ctrl.Result{}, err
		}
		if v, ok := s.Data[key]; ok {
			want[p.Name] = v
		}
	}
	var have corev1.Secret
	err := r.Client.Get(ctx, types.NamespacedName{Namespace: r.Namespace, Name: BGPPasswordsSecret}, &have)
	switch {
	case apierrors.IsNotFound(err):
		have = corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: r.Namespace, Name: BGPPasswordsSecret,
			Labels: map[string]string{"app.kubernetes.io/managed-by": "farol-controller"}}, Data: want}
		err := r.Client.Create(ctx, &have)
		if apierrors.IsAlreadyExists(err) {
			// The cache had not seen it yet (another replica's, or ours
			// from before a restart): read it again shortly.
			return ctrl.Result{RequeueAfter: time.Second}, nil
		}
		if err != nil {
			return ctrl.Result{}, fmt.Errorf("create %s: %w", BGPPasswordsSecret, err)
		}
	case err != nil:
		return ctrl.Result{}, err
	case maps.EqualFunc(have.Data, want, bytes.Equal):
		return ctrl.Result{}, nil
	default:
		have.Data = want
		if err := r.Client.Update(ctx, &have); err != nil {
			return ctrl.Result{}, fmt.Errorf("update %s: %w", BGPPasswordsSecret, err)
		}
	}
	ctrl.LoggerFrom(ctx).Info("BGP passwords copied", "secret", r.Namespace+"/"+BGPPasswordsSecret, "peers", len(want))
	return ctrl.Result{}, nil
}

// SetupWithManager watches peers and the Secrets of the controller's
// namespace (the only ones its cache holds); every change rebuilds the
// copy, which is one small object.
func (r *BGPPasswordsReconciler) SetupWithManager(mgr ctrl.Manager) error {
	one := handler.EnqueueRequestsFromMapFunc(func(context.Context, client.Object) []reconcile.Request {
		return []reconcile.Request{bgpPasswordsRequest}
	})
	return ctrl.NewControllerManagedBy(mgr).
		Named("bgp-passwords").
		Watches(&farolv1.BGPPeer{}, one).
		Watches(&corev1.Secret{}, one).
		Complete(r)
}
