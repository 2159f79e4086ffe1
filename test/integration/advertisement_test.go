package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
)

// TestAdvertisementReady: an L2Advertisement whose selector the API server
// accepts but that does not parse is Ready=False with the field named and
// one Warning event; fixed, it is Ready=True. Nothing is written while it
// does not change.
func TestAdvertisementReady(t *testing.T) {
	e := newEnv(t)
	e.startController()
	ad := &farolv1.L2Advertisement{
		ObjectMeta: metav1.ObjectMeta{Name: "adv-" + e.ns},
		Spec: farolv1.L2AdvertisementSpec{NodeSelector: &metav1.LabelSelector{
			MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "rack", Operator: metav1.LabelSelectorOpIn}},
		}},
	}
	if err := e.c.Create(e.ctx, ad); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.c.Delete(context.Background(), ad) })
	ready := func(status metav1.ConditionStatus, reason string, fragments ...string) *farolv1.L2Advertisement {
		var got farolv1.L2Advertisement
		e.eventually("advertisement Ready="+string(status), 20*time.Second, func() string {
			if err := e.c.Get(e.ctx, types.NamespacedName{Name: ad.Name}, &got); err != nil {
				return err.Error()
			}
			c := meta.FindStatusCondition(got.Status.Conditions, farolv1.ConditionReady)
			if c == nil {
				return "no Ready condition"
			}
			if c.Status != status || c.Reason != reason || !containsAll(c.Message, fragments) || c.ObservedGeneration != got.Generation {
				return string(c.Status) + " " + c.Reason + ": " + c.Message
			}
			return ""
		})
		return &got
	}
	bad := ready(metav1.ConditionFalse, farolv1.ReasonInvalid, "spec.nodeSelector", "values")
	warnings := func() int {
		var list eventsv1.EventList
		if err := e.c.List(e.ctx, &list); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, ev := range list.Items {
			if ev.Regarding.Kind == "L2Advertisement" && ev.Regarding.Name == ad.Name && ev.Reason == farolv1.ReasonInvalid {
				if !strings.Contains(ev.Note, "spec.nodeSelector") {
					t.Errorf("event %q does not name the field", ev.Note)
				}
				n++
			}
		}
		return n
	}
	e.eventually("one Invalid warning", 10*time.Second, func() string {
		if n := warnings(); n != 1 {
			return fmt.Sprintf("%d warnings", n)
		}
		return ""
	})
	e.expectNoAdvertisementWrite(ad.Name, bad.ResourceVersion, 2*time.Second)

	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var cur farolv1.L2Advertisement
		if err := e.c.Get(e.ctx, types.NamespacedName{Name: ad.Name}, &cur); err != nil {
			return err
		}
		cur.Spec.NodeSelector.MatchExpressions[0].Values = []string{"a"}
		return e.c.Update(e.ctx, &cur)
	})
	if err != nil {
		t.Fatal(err)
	}
	ready(metav1.ConditionTrue, farolv1.ReasonReady)
	if n := warnings(); n != 1 {
		t.Errorf("%d Invalid warnings after the fix, want still 1", n)
	}
}

// expectNoAdvertisementWrite fails if the advertisement changes within d.
func (e *env) expectNoAdvertisementWrite(name, rv string, d time.Duration) {
	e.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		var got farolv1.L2Advertisement
		if err := e.c.Get(e.ctx, types.NamespacedName{Name: name}, &got); err != nil {
			e.t.Fatal(err)
		}
		if got.ResourceVersion != rv {
			e.t.Fatalf("advertisement %s written again (resourceVersion %s -> %s) though nothing changed", name, rv, got.ResourceVersion)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
