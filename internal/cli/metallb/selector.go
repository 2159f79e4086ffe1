package metallb

import (
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// oneSelector writes MetalLB's list of selectors, ORed, as Farol's one
// selector. It is exact when the list is empty (nil: no selector), holds
// one selector, holds an empty selector (which matches everything), or
// when every selector asks for one label key to have some values (they
// become one `In` requirement). Otherwise ok is false and the first
// selector is returned, the narrower choice: a node that MetalLB used may
// be left out, but none it did not use is added.
func oneSelector(sels []metav1.LabelSelector) (sel *metav1.LabelSelector, ok bool) {
	if len(sels) == 0 {
		return nil, true
	}
	for _, s := range sels {
		if len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0 {
			return &metav1.LabelSelector{}, true
		}
	}
	if len(sels) == 1 {
		s := sels[0]
		return &s, true
	}
	key := ""
	var values []string
	for _, s := range sels {
		k, vs, single := oneKey(s)
		if !single || (key != "" && k != key) {
			first := sels[0]
			return &first, false
		}
		key, values = k, append(values, vs...)
	}
	slices.Sort(values)
	return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: key, Operator: metav1.LabelSelectorOpIn, Values: slices.Compact(values)}}}, true
}

// oneKey reports whether s only asks for one key to have one of some
// values: one matchLabels entry, or one `In` requirement.
func oneKey(s metav1.LabelSelector) (string, []string, bool) {
	switch {
	case len(s.MatchLabels) == 1 && len(s.MatchExpressions) == 0:
		for k, v := range s.MatchLabels {
			return k, []string{v}, true
		}
	case len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 1 && s.MatchExpressions[0].Operator == metav1.LabelSelectorOpIn:
		return s.MatchExpressions[0].Key, s.MatchExpressions[0].Values, true
	}
	return "", nil, false
}

// selector converts a list of selectors, noting when it cannot be exact.
func (im *importer) selector(src source, field string, sels []metav1.LabelSelector) *metav1.LabelSelector {
	sel, ok := oneSelector(sels)
	if !ok {
		im.note(src, field, "%d selectors ORed cannot be written as Farol's one selector; only the first is kept, so the objects only the others selected are left out", len(sels))
	}
	return sel
}

// poolSelection converts an advertisement's pools by name and selectors.
// Selectors that cannot be one are replaced by the names of the imported
// pools they select now.
func (im *importer) poolSelection(src source, names []string, sels []metav1.LabelSelector) ([]string, *metav1.LabelSelector) {
	sel, ok := oneSelector(sels)
	if ok {
		return names, sel
	}
	out := slices.Clone(names)
	for _, p := range im.pools {
		for _, s := range sels {
			ls, err := metav1.LabelSelectorAsSelector(&s)
			if err == nil && ls.Matches(labels.Set(p.obj.Metadata.Labels)) {
				out = append(out, p.obj.Metadata.Name)
			}
		}
	}
	slices.Sort(out)
	out = slices.Compact(out)
	im.note(src, "spec.ipAddressPoolSelectors", "%d selectors ORed cannot be written as Farol's one selector; the pools they select in this input are listed by name in spec.pools %v, and a pool created later is not selected", len(sels), out)
	return out, nil
}
