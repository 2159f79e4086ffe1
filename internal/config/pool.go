package config

import (
	"fmt"
	"sort"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/ipam"
)

// PoolState is one pool as the allocator sees it, with the verdict on
// whether it may serve new assignments.
type PoolState struct {
	Pool       ipam.Pool
	Generation int64
	// Reason is farolv1.ReasonReady, farolv1.ReasonInvalid or farolv1.ReasonOverlap; Message says
	// why in words.
	Reason  string
	Message string
	// OverlapsWith names the pool this one conflicts with (farolv1.ReasonOverlap).
	OverlapsWith string
}

// Ready reports whether the pool is used for new assignments.
func (s PoolState) Ready() bool { return s.Reason == farolv1.ReasonReady }

// ValidatePool checks one pool on its own and converts it. Ranges that parse
// are returned even when others do not, so addresses already assigned from
// them are not mistaken for orphans; the caller must not use an invalid pool
// for new assignments.
func ValidatePool(p *farolv1.AddressPool) (ipam.Pool, field.ErrorList) {
	var errs field.ErrorList
	spec := field.NewPath("spec")
	out := ipam.Pool{
		Name:          p.Name,
		AutoAssign:    p.Spec.AutoAssign == nil || *p.Spec.AutoAssign,
		AvoidBuggyIPs: p.Spec.AvoidBuggyIPs,
	}
	addrPath := spec.Child("addresses")
	if len(p.Spec.Addresses) == 0 {
		errs = append(errs, field.Required(addrPath, "at least one CIDR or range is needed"))
	}
	for i, a := range p.Spec.Addresses {
		r, err := ipam.ParseRange(string(a))
		if err != nil {
			errs = append(errs, field.Invalid(addrPath.Index(i), string(a), err.Error()))
			continue
		}
		for j, prev := range out.Ranges {
			if prev.Overlaps(r) {
				errs = append(errs, field.Invalid(addrPath.Index(i), string(a), fmt.Sprintf("overlaps %s in the same pool", p.Spec.Addresses[rangeIndex(p, j)])))
			}
		}
		out.Ranges = append(out.Ranges, r)
	}
	if al := p.Spec.Allocation; al != nil {
		alPath := spec.Child("allocation")
		out.Priority = int(al.Priority)
		out.Namespaces = append([]string(nil), al.Namespaces...)
		var err *field.Error
		if out.NamespaceSelector, err = selector(al.NamespaceSelector, alPath.Child("namespaceSelector")); err != nil {
			errs = append(errs, err)
		}
		if out.ServiceSelector, err = selector(al.ServiceSelector, alPath.Child("serviceSelector")); err != nil {
			errs = append(errs, err)
		}
	}
	return out, errs
}

// selector converts a LabelSelector for the allocator, which knows labels
// only as maps. A nil selector matches everything.
func selector(ls *metav1.LabelSelector, path *field.Path) (ipam.Selector, *field.Error) {
	if ls == nil {
		return nil, nil
	}
	sel, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		return nil, field.Invalid(path, ls, err.Error())
	}
	return ipam.SelectorFunc(func(l map[string]string) bool { return sel.Matches(labels.Set(l)) }), nil
}

// BuildPools validates every pool and resolves conflicts between them. When
// two pools overlap, the one that came later (creation time, then name)
// created the conflict: it is marked farolv1.ReasonOverlap and disabled, and the
// older one keeps serving. Objects being deleted are left out.
func BuildPools(items []farolv1.AddressPool) []PoolState {
	sorted := make([]*farolv1.AddressPool, 0, len(items))
	for i := range items {
		if items[i].DeletionTimestamp == nil {
			sorted = append(sorted, &items[i])
		}
	}
	sort.Slice(sorted, func(i, j int) bool {
		ti, tj := sorted[i].CreationTimestamp, sorted[j].CreationTimestamp
		if !ti.Equal(&tj) {
			return ti.Before(&tj)
		}
		return sorted[i].Name < sorted[j].Name
	})
	out := make([]PoolState, 0, len(sorted))
	for _, p := range sorted {
		pool, errs := ValidatePool(p)
		st := PoolState{Pool: pool, Generation: p.Generation, Reason: farolv1.ReasonReady, Message: "pool is used for new assignments"}
		if len(errs) > 0 {
			st.Reason, st.Message = farolv1.ReasonInvalid, errs.ToAggregate().Error()
		} else if other, a, b, ok := firstOverlap(pool, out); ok {
			st.Reason, st.OverlapsWith = farolv1.ReasonOverlap, other
			st.Message = fmt.Sprintf("%s overlaps %s of pool %q; this pool is not used for new assignments until the overlap is removed", a, b, other)
		}
		st.Pool.Disabled = !st.Ready()
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Pool.Name < out[j].Pool.Name })
	return out
}

// firstOverlap finds an enabled pool among earlier ones that shares an
// address with p.
func firstOverlap(p ipam.Pool, earlier []PoolState) (name string, mine, theirs ipam.Range, ok bool) {
	for _, e := range earlier {
		if !e.Ready() {
			continue
		}
		for _, r := range p.Ranges {
			for _, o := range e.Pool.Ranges {
				if r.Overlaps(o) {
					return e.Pool.Name, r, o, true
				}
			}
		}
	}
	return "", ipam.Range{}, ipam.Range{}, false
}

// Pools extracts the allocator's view.
func Pools(states []PoolState) []ipam.Pool {
	out := make([]ipam.Pool, len(states))
	for i, s := range states {
		out[i] = s.Pool
	}
	return out
}
