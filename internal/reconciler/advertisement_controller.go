package reconciler

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/config"
)

// AdvertisementReconciler tells whether each L2Advertisement, BGPPeer and
// BGPAdvertisement is in use. What the API server let through but does
// not translate (a selector that does not parse, LOCAL_PREF towards an
// eBGP peer) makes the speakers skip it; here it becomes Ready=False with
// the field named, and a Warning event, written once by the controller
// rather than by every speaker.
type AdvertisementReconciler struct {
	Client   client.Client
	Recorder EventRecorder
}

// +kubebuilder:rbac:groups=farol.dev,resources=l2advertisements;bgppeers;bgpadvertisements,verbs=get;list;watch
// +kubebuilder:rbac:groups=farol.dev,resources=l2advertisements/status;bgppeers/status;bgpadvertisements/status,verbs=get;update;patch

// SetupWithManager registers one reconciler per kind; their own status
// writes do not trigger them (generation only). A BGPAdvertisement is
// judged against the peers it goes to, so a peer's change re-checks them.
func (r *AdvertisementReconciler) SetupWithManager(mgr ctrl.Manager) error {
	generation := builder.WithPredicates(predicate.GenerationChangedPredicate{})
	err := ctrl.NewControllerManagedBy(mgr).
		Named("l2advertisement").
		For(&farolv1.L2Advertisement{}, generation).
		Complete(&readyReconciler[*farolv1.L2Advertisement]{
			client: r.Client, recorder: r.Recorder, kind: "L2Advertisement",
			object:     func() *farolv1.L2Advertisement { return &farolv1.L2Advertisement{} },
			conditions: func(o *farolv1.L2Advertisement) *[]metav1.Condition { return &o.Status.Conditions },
			// Pools do not change whether the selectors parse.
			check: func(_ context.Context, o *farolv1.L2Advertisement) (field.ErrorList, error) {
				_, errs := config.L2Advertisement(o, nil)
				return errs, nil
			},
			okMessage: "selectors valid", invalidEffect: "selects nothing",
		})
	if err != nil {
		return err
	}
	err = ctrl.NewControllerManagedBy(mgr).
		Named("bgppeer").
		For(&farolv1.BGPPeer{}, generation).
		Complete(&readyReconciler[*farolv1.BGPPeer]{
			client: r.Client, recorder: r.Recorder, kind: "BGPPeer",
			object:     func() *farolv1.BGPPeer { return &farolv1.BGPPeer{} },
			conditions: func(o *farolv1.BGPPeer) *[]metav1.Condition { return &o.Status.Conditions },
			check: func(_ context.Context, o *farolv1.BGPPeer) (field.ErrorList, error) {
				_, errs := config.BGPPeer(o)
				return errs, nil
			},
			okMessage: "peer valid", invalidEffect: "no session is opened",
		})
	if err != nil {
		return err
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("bgpadvertisement").
		For(&farolv1.BGPAdvertisement{}, generation).
		Watches(&farolv1.BGPPeer{}, handler.EnqueueRequestsFromMapFunc(r.allBGPAdvertisements), generation).
		Complete(&readyReconciler[*farolv1.BGPAdvertisement]{
			client: r.Client, recorder: r.Recorder, kind: "BGPAdvertisement",
			object:     func() *farolv1.BGPAdvertisement { return &farolv1.BGPAdvertisement{} },
			conditions: func(o *farolv1.BGPAdvertisement) *[]metav1.Condition { return &o.Status.Conditions },
			check:      r.checkBGPAdvertisement,
			okMessage:  "advertisement valid", invalidEffect: "advertises nothing",
		})
}

func (r *AdvertisementReconciler) checkBGPAdvertisement(ctx context.Context, o *farolv1.BGPAdvertisement) (field.ErrorList, error) {
	var peers farolv1.BGPPeerList
	if err := r.Client.List(ctx, &peers); err != nil {
		return nil, err
	}
	var pools farolv1.AddressPoolList
	if err := r.Client.List(ctx, &pools); err != nil {
		return nil, err
	}
	errs, _ := config.CheckBGPAdvertisement(o, peers.Items, pools.Items)
	return errs, nil
}

// allBGPAdvertisements maps a peer's change to every BGPAdvertisement:
// there are few, and a peer's ASNs decide whether their localPref is
// allowed.
func (r *AdvertisementReconciler) allBGPAdvertisements(ctx context.Context, _ client.Object) []reconcile.Request {
	var ads farolv1.BGPAdvertisementList
	if err := r.Client.List(ctx, &ads); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "list BGPAdvertisements")
		return nil
	}
	out := make([]reconcile.Request, len(ads.Items))
	for i := range ads.Items {
		out[i] = reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&ads.Items[i])}
	}
	return out
}
