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
	PathAddressPool     = "/validate-farol-dev-v1alpha1-addresspool"
	PathL2Advertisement = "/validate-farol-dev-v1alpha1-l2advertisement"
)

// Register serves both validators on srv; pools are read through r (the
// manager's cache, on every replica: a standby answers too).
func Register(srv webhook.Server, scheme *runtime.Scheme, r client.Reader) {
	dec := admission.NewDecoder(scheme)
	srv.Register(PathAddressPool, &webhook.Admission{Handler: &validator[*farolv1.AddressPool]{
		decoder: dec, reader: r, object: func() *farolv1.AddressPool { return &farolv1.AddressPool{} },
		check: func(p *farolv1.AddressPool, pools []farolv1.AddressPool) (field.ErrorList, []string) {
			return config.CheckAddressPool(p, pools), nil
		},
	}})
	srv.Register(PathL2Advertisement, &webhook.Admission{Handler: &validator[*farolv1.L2Advertisement]{
		decoder: dec, reader: r, object: func() *farolv1.L2Advertisement { return &farolv1.L2Advertisement{} },
		check: config.CheckL2Advertisement,
	}})
}

// validator judges one kind of object against the existing pools.
type validator[T runtime.Object] struct {
	decoder admission.Decoder
	reader  client.Reader
	object  func() T
	check   func(T, []farolv1.AddressPool) (field.ErrorList, []string)
}

func (v *validator[T]) Handle(ctx context.Context, req admission.Request) admission.Response {
	obj := v.object()
	if err := v.decoder.Decode(req, obj); err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	var pools farolv1.AddressPoolList
	if err := v.reader.List(ctx, &pools); err != nil {
		return admission.Errored(http.StatusInternalServerError, err)
	}
	return verdict(v.check(obj, pools.Items))
}

// verdict refuses with every error, each naming its field, or allows with
// the warnings kubectl prints.
func verdict(errs field.ErrorList, warnings []string) admission.Response {
	if len(errs) > 0 {
		return admission.Denied(errs.ToAggregate().Error()).WithWarnings(warnings...)
	}
	return admission.Allowed("").WithWarnings(warnings...)
}
