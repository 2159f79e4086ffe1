package metallb

import (
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestOneSelector(t *testing.T) {
	labels := func(kv ...string) metav1.LabelSelector {
		s := metav1.LabelSelector{MatchLabels: map[string]string{}}
		for i := 0; i < len(kv); i += 2 {
			s.MatchLabels[kv[i]] = kv[i+1]
		}
		return s
	}
	in := func(key string, values ...string) metav1.LabelSelector {
		return metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: key, Operator: metav1.LabelSelectorOpIn, Values: values}}}
	}
	tests := map[string]struct {
		sels   []metav1.LabelSelector
		want   *metav1.LabelSelector
		wantOK bool
	}{
		"none":                    {nil, nil, true},
		"one":                     {[]metav1.LabelSelector{labels("a", "1", "b", "2")}, ptr(labels("a", "1", "b", "2")), true},
		"an empty one is all":     {[]metav1.LabelSelector{labels("a", "1"), {}}, &metav1.LabelSelector{}, true},
		"one key becomes In":      {[]metav1.LabelSelector{labels("rack", "b"), in("rack", "a", "b"), labels("rack", "c")}, ptr(in("rack", "a", "b", "c")), true},
		"two keys keep the first": {[]metav1.LabelSelector{labels("rack", "a"), labels("zone", "z")}, ptr(labels("rack", "a")), false},
		"two labels keep the first": {[]metav1.LabelSelector{labels("rack", "a", "zone", "z"), labels("rack", "b")},
			ptr(labels("rack", "a", "zone", "z")), false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := oneSelector(tc.sels)
			if ok != tc.wantOK || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("oneSelector = %v, %v; want %v, %v", got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
