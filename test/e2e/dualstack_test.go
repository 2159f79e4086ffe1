package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/election"
	"github.com/farol-lb/farol/test/gen"
)

// TestDualStackOwners: a dual-stack Service whose two addresses belong to
// different nodes settles: each owner records its own address, ARP and NDP
// are each answered by their own owner only, and once settled nothing is
// written for 10 s. One Announcing event and one ownership change per
// address, no more.
func TestDualStackOwners(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.pool()
	v4, v6 := w.splitPair()
	o4, o6 := w.ringOwner(v4), w.ringOwner(v6)
	t.Logf("%s should be owned by %s, %s by %s", v4, o4, v6, o6)
	addrs := w.service("dual", []gen.ServiceOption{gen.DualStack(corev1.IPFamilyPolicyRequireDualStack),
		gen.WithAddresses(v4.String() + "," + v6.String())})
	if len(addrs) != 2 {
		t.Fatalf("addresses %v, want %s and %s", addrs, v4, v6)
	}
	w.eventually("each address announced by its owner", 20*time.Second, func() string {
		a4, a6 := w.announcing("dual", v4), w.announcing("dual", v6)
		if !strings.HasPrefix(a4, o4+"/") || !strings.HasPrefix(a6, o6+"/") {
			return fmt.Sprintf("annotations ipv4=%q ipv6=%q", a4, a6)
		}
		if got := w.arping(v4); len(got) != 1 || w.macOf(got[0]) != o4 {
			return fmt.Sprintf("ARP for %s answered by %v", v4, got)
		}
		if got := w.ndisc(v6); len(got) != 1 || w.macOf(got[0]) != o6 {
			return fmt.Sprintf("NDP for %s answered by %v", v6, got)
		}
		return ""
	})

	writes := w.countWrites("dual", 10*time.Second)
	if writes != 0 {
		t.Errorf("the Service was written %d times in the 10 s after it settled, want 0", writes)
	}
	if got := w.annotationsOf("dual"); !strings.HasPrefix(got[farolv1.AnnotationAnnouncingIPv4], o4+"/") ||
		!strings.HasPrefix(got[farolv1.AnnotationAnnouncingIPv6], o6+"/") {
		t.Errorf("annotations after 10 s: %v", got)
	}
	if n := w.events("dual", "Announcing"); n != 2 {
		t.Errorf("%d Announcing events, want 2 (one per address)", n)
	}
	changes := 0
	for _, n := range w.lab.Nodes {
		changes += int(w.speakerMetric(n.Name, "farol_speaker_ownership_changes_total"))
	}
	if changes != 2 {
		t.Errorf("farol_speaker_ownership_changes_total summed over the speakers = %d, want 2", changes)
	}
}

// splitPair returns an IPv4 and an IPv6 address of the lab's pool that the
// ring gives to different nodes.
func (w *world) splitPair() (netip.Addr, netip.Addr) {
	w.t.Helper()
	lo4, _, _ := strings.Cut(w.lab.VIPs4, "-")
	lo6, _, _ := strings.Cut(w.lab.VIPs6, "-")
	v4 := netip.MustParseAddr(lo4).Next().Next()
	v6 := netip.MustParseAddr(lo6).Next().Next()
	for range 40 {
		if w.ringOwner(v4) != w.ringOwner(v6) {
			return v4, v6
		}
		v6 = v6.Next()
	}
	w.t.Fatalf("no IPv6 address near %s with another owner than %s", v6, v4)
	return v4, v6
}

// ringOwner is the node every speaker elects for addr when all nodes may
// announce.
func (w *world) ringOwner(addr netip.Addr) string {
	var names []string
	for _, n := range w.lab.Nodes {
		names = append(names, n.Name)
	}
	owner, _ := election.NewRing(names).Owner(addr, nil)
	return owner
}

// countWrites watches a Service for d and counts its updates.
func (w *world) countWrites(name string, d time.Duration) int {
	w.t.Helper()
	cs, err := kubernetes.NewForConfig(w.lab.Config)
	if err != nil {
		w.t.Fatal(err)
	}
	var s corev1.Service
	if err := w.c.Get(w.ctx, types.NamespacedName{Namespace: w.ns, Name: name}, &s); err != nil {
		w.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(w.ctx, d)
	defer cancel()
	wi, err := cs.CoreV1().Services(w.ns).Watch(ctx, metav1.ListOptions{
		FieldSelector:   fields.OneTermEqualSelector("metadata.name", name).String(),
		ResourceVersion: s.ResourceVersion,
	})
	if err != nil {
		w.t.Fatal(err)
	}
	defer wi.Stop()
	n := 0
	for ev := range wi.ResultChan() {
		if ev.Type == watch.Modified {
			n++
			if s, ok := ev.Object.(*corev1.Service); ok {
				w.t.Logf("write %d: annotations %v", n, s.Annotations)
			}
		}
	}
	return n
}

func (w *world) annotationsOf(name string) map[string]string {
	var s corev1.Service
	if err := w.c.Get(w.ctx, types.NamespacedName{Namespace: w.ns, Name: name}, &s); err != nil {
		w.t.Fatal(err)
	}
	return s.Annotations
}

// events counts the events with a reason about a Service.
func (w *world) events(name, reason string) int {
	w.t.Helper()
	var list eventsv1.EventList
	if err := w.c.List(w.ctx, &list, client.InNamespace(w.ns)); err != nil {
		w.t.Fatal(err)
	}
	n := 0
	for _, ev := range list.Items {
		if ev.Regarding.Name == name && ev.Reason == reason {
			n++
			if ev.Series != nil {
				n += int(ev.Series.Count) - 1
			}
			w.t.Logf("event %s: %s", reason, ev.Note)
		}
	}
	return n
}

// speakerMetric reads one unlabelled metric from a node's speaker.
func (w *world) speakerMetric(node, metric string) float64 {
	w.t.Helper()
	v, err := w.readSpeakerMetric(node, metric)
	if err != nil {
		w.t.Fatal(err)
	}
	return v
}

func (w *world) readSpeakerMetric(node, metric string) (float64, error) {
	out, err := w.node(node).Command(w.ctx, "curl", "-s", "--max-time", "2", "http://127.0.0.1:9422/metrics").Output()
	if err != nil {
		return 0, fmt.Errorf("metrics of %s: %w", node, err)
	}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), metric+" "); ok {
			return strconv.ParseFloat(v, 64)
		}
	}
	return 0, fmt.Errorf("no metric %s on %s", metric, node)
}
