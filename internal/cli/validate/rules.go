package validate

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/config"
)

// others is what the cross-object rules see: every pool, in input order,
// and every peer.
type others struct {
	pools []farolv1.AddressPool
	peers []farolv1.BGPPeer
}

func gather(objs []object) others {
	var c others
	for _, o := range objs {
		switch v := o.obj.(type) {
		case *farolv1.AddressPool:
			c.pools = append(c.pools, *v)
		case *farolv1.BGPPeer:
			c.peers = append(c.peers, *v)
		}
	}
	return c
}

// rules runs internal/config's checks on one object, as the webhook does
// at apply time.
func rules(o object, c others) []Finding {
	var errs field.ErrorList
	var warnings []string
	switch v := o.obj.(type) {
	case *farolv1.AddressPool:
		errs = config.CheckAddressPool(v, poolsBefore(c.pools, v.Name))
	case *farolv1.L2Advertisement:
		errs, warnings = config.CheckL2Advertisement(v, c.pools)
	case *farolv1.BGPPeer:
		_, errs = config.BGPPeer(v)
	case *farolv1.BGPAdvertisement:
		errs, warnings = config.CheckBGPAdvertisement(v, c.peers, c.pools)
	}
	id := o.doc.Kind + "/" + o.doc.Name
	var out []Finding
	for _, e := range errs {
		out = append(out, Finding{File: o.doc.File, Object: id, Message: e.Error()})
	}
	for _, w := range warnings {
		out = append(out, Finding{File: o.doc.File, Object: id, Message: w, Warning: true})
	}
	return out
}

// poolsBefore are the pools that come before the named one: an overlap is
// reported once, on the pool that `kubectl apply` would be refused.
func poolsBefore(pools []farolv1.AddressPool, name string) []farolv1.AddressPool {
	for i, p := range pools {
		if p.Name == name {
			return pools[:i]
		}
	}
	return pools
}
