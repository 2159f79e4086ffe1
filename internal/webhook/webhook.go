// Package webhook refuses, at `kubectl apply`, Farol objects that break a
// rule across objects (a pool overlapping another) and warns about
// references that do not resolve (an advertisement naming a missing pool).
// The rules are internal/config's; this package only decodes the request
// and words the answer. The webhook's failurePolicy is Ignore: when it is
// down, the reconcilers' conditions and events report the same problems.
package webhook

import (
	"context"
	"net/http"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/config"
)

// Paths the ValidatingWebhookConfiguration in config/webhook calls.
const (
	PathAddressPool      = "/validate-farol-dev-v1alpha1-addresspool"
	PathL2Advertisement  = "/validate-farol-dev-v1alpha1-l2advertisement"
	PathBGPPeer          = "/validate-farol-dev-v1alpha1-bgppeer"
	PathBGPAdvertisement = "/validate-farol-dev-v1alpha1-bgpadvertisement"
)

// Register serves the validators on srv; other objects are read through r
// (the manager's cache, on every replica: a standby answers too).
func Register(srv webhook.Server, scheme *runtime.Scheme, r client.Reader) {
	dec := admission.NewDecoder(scheme)
	pools := func(ctx context.Context) ([]farolv1.AddressPool, error) {
		var l farolv1.AddressPoolList
		err := r.List(ctx, &l)
		return l.Items, err
	}
	srv.Register(PathAddressPool, &webhook.Admission{Handler: &validator[*farolv1.AddressPool]{
		decoder: dec, object: func() *farolv1.AddressPool { return &farolv1.AddressPool{} },
		check: func(ctx context.Context, p *farolv1.AddressPool) (field.ErrorList, []string, error) {
			ps, err := pools(ctx)
			return config.CheckAddressPool(p, ps), nil, err
		},
	}})
	srv.Register(PathL2Advertisement, &webhook.Admission{Handler: &validator[*farolv1.L2Advertisement]{
		decoder: dec, object: func() *farolv1.L2Advertisement { return &farolv1.L2Advertisement{} },
		check: func(ctx context.Context, ad *farolv1.L2Advertisement) (field.ErrorList, []string, error) {
			ps, err := pools(ctx)
			errs, warnings := config.CheckL2Advertisement(ad, ps)
			return errs, warnings, err
		},
	}})
	srv.Register(PathBGPPeer, &webhook.Admission{Handler: &validator[*farolv1.BGPPeer]{
		decoder: dec, object: func() *farolv1.BGPPeer { return &farolv1.BGPPeer{} },
		check: func(_ context.Context, p *farolv1.BGPPeer) (field.ErrorList, []string, error) {
			_, errs := config.BGPPeer(p)
			return errs, nil, nil
		},
	}})
	srv.Register(PathBGPAdvertisement, &webhook.Admission{Handler: &validator[*farolv1.BGPAdvertisement]{
		decoder: dec, object: func() *farolv1.BGPAdvertisement { return &farolv1.BGPAdvertisement{} },
		check: func(ctx context.Context, ad *farolv1.BGPAdvertisement) (field.ErrorList, []string, error) {
			ps, err := pools(ctx)
			if err != nil {
				return nil, nil, err
			}
			var peers farolv1.BGPPeerList
			if err := r.List(ctx, &peers); err != nil {
				return nil, nil, err
			}
			errs, warnings := config.CheckBGPAdvertisement(ad, peers.Items, ps)
			return errs, warnings, nil
		},
	}})
}

// validator judges one kind of object with internal/config's rules.
type validator[T runtime.Object] struct {
	decoder admission.Decoder
	object  func() T
	check   func(context.Context, T) (field.ErrorList, []string, error)
}

func (v *validator[T]) Handle(ctx context.Context, req admission.Request) admission.Response {
	obj := v.object()
	if err := v.decoder.Decode(req, obj); err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	errs, warnings, err := v.check(ctx, obj)
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, err)
	}
	return verdict(errs, warnings)
}

// verdict refuses with every error, each naming its field, or allows with
// the warnings kubectl prints.
func verdict(errs field.ErrorList, warnings []string) admission.Response {
	if len(errs) > 0 {
		return admission.Denied(errs.ToAggregate().Error()).WithWarnings(warnings...)
	}
	return admission.Allowed("").WithWarnings(warnings...)
}
