package speaker

import (
	"maps"
	"slices"
	"testing"

	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/farol-lb/farol/internal/config"
)

// TestTrimSlice: the trimmed slice answers config.ReadyNodes exactly as the
// full one, and keeps only the label the index reads.
func TestTrimSlice(t *testing.T) {
	yes, no := true, false
	ep := func(node string, ready *bool) discoveryv1.Endpoint {
		e := discoveryv1.Endpoint{Addresses: []string{"10.244.0.1"}, Conditions: discoveryv1.EndpointConditions{Ready: ready, Serving: &yes}}
		if node != "" {
			e.NodeName = &node
		}
		return e
	}
	for name, eps := range map[string][]discoveryv1.Endpoint{
		"ready on three nodes":    {ep("a", &yes), ep("b", &yes), ep("c", &yes)},
		"not ready is left out":   {ep("a", &yes), ep("b", &no)},
		"unknown counts":          {ep("a", nil)},
		"one node twice":          {ep("b", &yes), ep("a", &yes), ep("b", &yes)},
		"no node name":            {ep("", &yes), ep("a", &yes)},
		"none ready":              {ep("a", &no)},
		"no endpoints at all":     nil,
		"ready and not, one node": {ep("a", &no), ep("a", &yes)},
	} {
		t.Run(name, func(t *testing.T) {
			s := &discoveryv1.EndpointSlice{
				ObjectMeta: metav1.ObjectMeta{Name: "s-1", Namespace: "ns",
					Labels: map[string]string{discoveryv1.LabelServiceName: "s", discoveryv1.LabelManagedBy: "x"}},
				Endpoints: eps,
			}
			want := config.ReadyNodes([]discoveryv1.EndpointSlice{*s.DeepCopy()})
			o, err := trimSlice(s)
			if err != nil {
				t.Fatal(err)
			}
			got := o.(*discoveryv1.EndpointSlice)
			if r := config.ReadyNodes([]discoveryv1.EndpointSlice{*got}); !slices.Equal(r, want) {
				t.Errorf("ready nodes after trimming %v, before %v", r, want)
			}
			if len(got.Endpoints) != len(want) {
				t.Errorf("%d endpoints kept for %d ready nodes", len(got.Endpoints), len(want))
			}
			if keys := slices.Sorted(maps.Keys(got.Labels)); !slices.Equal(keys, []string{discoveryv1.LabelServiceName}) {
				t.Errorf("labels kept %v", keys)
			}
		})
	}
}
