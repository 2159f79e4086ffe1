package config

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/ipam"
)

// The rules in this file judge one object against the others, which the
// CRD's CEL rules cannot see. The admission webhook refuses with them at
// apply time, `kubectl farol validate` runs them on files, and the
// reconcilers reach the same verdicts through BuildPools and
// L2Advertisement, so an object that slipped past a webhook that was down
// still gets a condition and an event.

// CheckAddressPool validates p on its own and against the existing pools:
// an address that another pool already holds is an error naming the range
// in spec.addresses and the other pool. Pools being deleted, and p's own
// stored version (same name), do not count.
func CheckAddressPool(p *farolv1.AddressPool, existing []farolv1.AddressPool) field.ErrorList {
	pool, errs := ValidatePool(p)
	addrs := field.NewPath("spec", "addresses")
	for i := range existing {
		o := &existing[i]
		if o.Name == p.Name || o.DeletionTimestamp != nil {
			continue
		}
		other, _ := ValidatePool(o)
		for ri, r := range pool.Ranges {
			for _, or := range other.Ranges {
				if r.Overlaps(or) {
					errs = append(errs, field.Invalid(addrs.Index(rangeIndex(p, ri)), r.String(),
						fmt.Sprintf("overlaps %s of AddressPool %q; an address belongs to one pool", or, o.Name)))
				}
			}
		}
	}
	return errs
}

// rangeIndex maps the index of a parsed range back to its place in
// spec.addresses, skipping entries that did not parse.
func rangeIndex(p *farolv1.AddressPool, parsed int) int {
	n := -1
	for i, a := range p.Spec.Addresses {
		if _, err := ipam.ParseRange(string(a)); err == nil {
			n++
		}
		if n == parsed {
			return i
		}
	}
	return parsed
}

// CheckL2Advertisement validates an advertisement against the pools: a
// selector that does not parse is an error; a pool named in spec.pools
// that does not exist is a warning (it may be created next), as is an
// advertisement that selects no pool at all.
func CheckL2Advertisement(ad *farolv1.L2Advertisement, pools []farolv1.AddressPool) (field.ErrorList, []string) {
	resolved, errs := L2Advertisement(ad, pools)
	if len(errs) > 0 {
		return errs, nil
	}
	return nil, poolWarnings(ad.Spec.Pools, resolved.Pool, pools)
}

// poolWarnings warns about an advertisement's pools: a pool named in
// spec.pools that does not exist (it may be created next), and a selector
// that selects no pool at all.
func poolWarnings(names []string, resolved func(string) bool, pools []farolv1.AddressPool) []string {
	exists := map[string]bool{}
	for _, p := range pools {
		exists[p.Name] = true
	}
	var warnings []string
	for i, name := range names {
		if !exists[name] {
			warnings = append(warnings, fmt.Sprintf("%s: AddressPool %q does not exist (yet); its addresses are not announced until it does",
				field.NewPath("spec", "pools").Index(i), name))
		}
	}
	if resolved != nil && len(names) == 0 {
		matched := false
		for _, p := range pools {
			matched = matched || resolved(p.Name)
		}
		if !matched {
			warnings = append(warnings, "spec.poolSelector: selects no existing AddressPool")
		}
	}
	return warnings
}
