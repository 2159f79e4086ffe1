package inspect

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
)

// ErrNotFound says the Service to explain does not exist.
var ErrNotFound = errors.New("not found")

// explanation writes indented lines; the first write error sticks.
type explanation struct {
	w   io.Writer
	err error
}

func (e *explanation) line(indent int, format string, args ...any) {
	if e.err != nil {
		return
	}
	_, err := fmt.Fprintf(e.w, "%s%s\n", strings.Repeat("  ", indent), fmt.Sprintf(format, args...))
	if err != nil {
		e.err = fmt.Errorf("write: %w", err)
	}
}

// verdict writes one rule: "[ok] rule: detail" or "[NO] rule: detail".
func (e *explanation) verdict(indent int, ok bool, rule, detail string) {
	mark := "[ok]"
	if !ok {
		mark = "[NO]"
	}
	e.line(indent, "%s %s: %s", mark, rule, detail)
}

// Explain writes why the Service namespace/name has or lacks each address
// and why each node does or does not announce it: the controller's rules,
// then the speakers', each in the order they apply, and wherever the
// cluster records something else, that it does.
func Explain(w io.Writer, s *Snapshot, namespace, name string, o Options) error {
	var svc *corev1.Service
	for i := range s.Services {
		if s.Services[i].Namespace == namespace && s.Services[i].Name == name {
			svc = &s.Services[i]
		}
	}
	if svc == nil {
		return fmt.Errorf("service %s/%s: %w", namespace, name, ErrNotFound)
	}
	e := &explanation{w: w}
	e.line(0, "Service %s/%s: %s", namespace, name, summary(svc))
	e.line(0, "")
	e.line(0, "Address (the controller's rules, replayed with its code):")
	if explainAllocation(e, s, svc, o) {
		e.line(0, "")
		e.line(0, "Announcement (the speakers' rules, replayed with their code):")
		explainAnnouncement(e, s, svc, o)
	}
	return e.err
}

func summary(svc *corev1.Service) string {
	class := "<none>"
	if c := svc.Spec.LoadBalancerClass; c != nil {
		class = *c
	}
	policy := "SingleStack"
	if p := svc.Spec.IPFamilyPolicy; p != nil {
		policy = string(*p)
	}
	fams := make([]string, len(svc.Spec.IPFamilies))
	for i, f := range svc.Spec.IPFamilies {
		fams[i] = string(f)
	}
	etp := string(svc.Spec.ExternalTrafficPolicy)
	if etp == "" {
		etp = "Cluster"
	}
	return fmt.Sprintf("type %s, class %s, externalTrafficPolicy %s, %s %s",
		svc.Spec.Type, class, etp, policy, strings.Join(fams, ","))
}

// events writes the Service's events reported by controller, oldest
// first, the last few.
func events(e *explanation, s *Snapshot, svc *corev1.Service, controller string) {
	var evs []eventsv1.Event
	for _, ev := range s.Events {
		r := ev.Regarding
		if r.Kind == "Service" && r.Namespace == svc.Namespace && r.Name == svc.Name && ev.ReportingController == controller {
			evs = append(evs, ev)
		}
	}
	if len(evs) == 0 {
		e.line(1, "events from %s: none", controller)
		return
	}
	slices.SortStableFunc(evs, func(a, b eventsv1.Event) int {
		return a.CreationTimestamp.Compare(b.CreationTimestamp.Time)
	})
	const last = 5
	if len(evs) > last {
		evs = evs[len(evs)-last:]
	}
	e.line(1, "events from %s, oldest first:", controller)
	for _, ev := range evs {
		e.line(2, "%s %s: %s", ev.Type, ev.Reason, ev.Note)
	}
}
