package integration

import (
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/test/gen"
)

// TestPoolChoice: priority then name, namespace names, namespace labels,
// service labels, and autoAssign=false pools are skipped.
func TestPoolChoice(t *testing.T) {
	e := newEnv(t)
	gold := e.inNamespace("gold", map[string]string{"tier": "gold"})
	named := e.inNamespace("named", nil)
	e.createPool(gen.Pool("choice-z-late", []string{"10.50.9.0/29"}, gen.Priority(50)))
	e.createPool(gen.Pool("choice-a-late", []string{"10.50.8.0/29"}, gen.Priority(50)))
	e.createPool(gen.Pool("choice-manual", []string{"10.50.0.0/29"}, gen.Manual()))
	e.createPool(gen.Pool("choice-gold", []string{"10.50.1.0/29"}, gen.Priority(1), gen.ForNamespaceLabels(map[string]string{"tier": "gold"})))
	e.createPool(gen.Pool("choice-named", []string{"10.50.2.0/29"}, gen.Priority(1), gen.ForNamespaces(named.ns)))
	e.createPool(gen.Pool("choice-web", []string{"10.50.3.0/29"}, gen.Priority(1), gen.ForServiceLabels(map[string]string{"role": "web"})))
	e.startController()

	from := func(en *env, name string) string {
		en.waitAddresses(name, 1)
		return en.service(name).Annotations["farol.dev/allocated-from"]
	}
	e.createService(gen.Service("plain"))
	if p := from(e, "plain"); p != "choice-a-late" {
		t.Fatalf("plain from %s, want choice-a-late (priority 50, then name)", p)
	}
	gold.createService(gen.Service("g"))
	if p := from(gold, "g"); p != "choice-gold" {
		t.Fatalf("g from %s, want choice-gold", p)
	}
	named.createService(gen.Service("n"))
	if p := from(named, "n"); p != "choice-named" {
		t.Fatalf("n from %s, want choice-named", p)
	}
	e.createService(gen.Service("w", gen.WithLabel("role", "web")))
	if p := from(e, "w"); p != "choice-web" {
		t.Fatalf("w from %s, want choice-web", p)
	}
}

// TestNoPoolMatchesSaysWhy: with only restricted pools, the event lists
// each pool and why it did not match.
func TestNoPoolMatchesSaysWhy(t *testing.T) {
	e := newEnv(t)
	e.createPool(gen.Pool("why-manual", []string{"10.51.0.0/29"}, gen.Manual()))
	e.createPool(gen.Pool("why-ns", []string{"10.51.1.0/29"}, gen.ForNamespaces("elsewhere")))
	e.createPool(gen.Pool("why-labels", []string{"10.51.2.0/29"}, gen.ForServiceLabels(map[string]string{"role": "db"})))
	e.createPool(gen.Pool("why-team", []string{"10.51.3.0/29"}, gen.ForNamespaceLabels(map[string]string{"team": "a"})))
	e.startController()
	e.createService(gen.Service("lost"))
	ev := e.waitEvent("lost", "NoMatchingPool", "why-manual", "why-ns", "why-labels", "why-team")
	for _, word := range []string{"autoAssign", "namespace", "label"} {
		if !strings.Contains(ev, word) {
			t.Errorf("event %q does not say %q", ev, word)
		}
	}

	// Labelling the namespace makes why-team match: the waiting Service is
	// retried without being touched.
	var ns corev1.Namespace
	if err := e.c.Get(e.ctx, types.NamespacedName{Name: e.ns}, &ns); err != nil {
		t.Fatal(err)
	}
	ns.Labels["team"] = "a"
	if err := e.c.Update(e.ctx, &ns); err != nil {
		t.Fatal(err)
	}
	e.waitAddresses("lost", 1)
	if got := e.service("lost").Annotations["farol.dev/allocated-from"]; got != "why-team" {
		t.Fatalf("allocated from %q, want why-team", got)
	}
}

// TestOverlap: the pool that creates an overlap is Ready=False with reason
// Overlap naming the other pool and a Warning event, is not used for new
// assignments, and existing assignments stay; removing the conflict
// readies it.
func TestOverlap(t *testing.T) {
	e := newEnv(t)
	first := e.createPool(gen.Pool("ov-first", []string{"10.52.0.0/30"}))
	e.startController()
	e.createService(gen.Service("a"))
	a := e.waitAddresses("a", 1)
	e.waitPoolReady("ov-first", "True", "")
	time.Sleep(10 * time.Millisecond) // a later creation time for the second pool
	e.createPool(gen.Pool("ov-second", []string{"10.52.0.2-10.52.0.9"}, gen.Priority(-1)))
	e.waitPoolReady("ov-second", "False", "Overlap", "ov-first")
	e.waitPoolReady("ov-first", "True", "")
	warned := func() []eventsv1.Event {
		var out []eventsv1.Event
		for _, ev := range e.poolEvents("ov-second") {
			if ev.Type == corev1.EventTypeWarning && ev.Reason == "Overlap" && strings.Contains(ev.Note, "ov-first") {
				out = append(out, ev)
			}
		}
		return out
	}
	e.eventually("Overlap warning on ov-second", 10*time.Second, func() string {
		if len(warned()) == 0 {
			return fmt.Sprintf("events: %v", e.poolEvents("ov-second"))
		}
		return ""
	})

	e.createService(gen.Service("b"))
	b := e.waitAddresses("b", 1)
	if got := e.service("b").Annotations["farol.dev/allocated-from"]; got != "ov-first" {
		t.Fatalf("b from %s (%v), want ov-first: the overlapping pool must not be used", got, b)
	}
	if err := e.c.Delete(e.ctx, first); err != nil {
		t.Fatal(err)
	}
	e.waitPoolReady("ov-second", "True", "")
	if got := addresses(e.service("a")); len(got) != 1 || got[0] != a[0] {
		t.Fatalf("a changed from %v to %v", a, got)
	}
	// One warning when the pool turned bad, not one per status write.
	if w := warned(); len(w) != 1 || w[0].Series != nil {
		t.Fatalf("Overlap warnings on ov-second: %v, want one that happened once", w)
	}
	if ev := e.poolEvents("ov-first"); len(ev) != 0 {
		t.Fatalf("events on ov-first, which was there first: %v", ev)
	}
}

// waitPoolReady waits for the pool's Ready condition to have the status,
// and the reason and message fragments when given.
func (e *env) waitPoolReady(name, status, reason string, fragments ...string) *farolv1.AddressPool {
	e.t.Helper()
	var p farolv1.AddressPool
	e.eventually("pool "+name+" Ready="+status, 20*time.Second, func() string {
		if err := e.c.Get(e.ctx, types.NamespacedName{Name: name}, &p); err != nil {
			return err.Error()
		}
		c := meta.FindStatusCondition(p.Status.Conditions, "Ready")
		if c == nil {
			return "no Ready condition"
		}
		if string(c.Status) != status || (reason != "" && c.Reason != reason) || !containsAll(c.Message, fragments) {
			return c.Reason + ": " + c.Message
		}
		if p.Status.ObservedGeneration != p.Generation {
			return "observedGeneration behind"
		}
		return ""
	})
	return &p
}
