package e2e

import (
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/test/gen"
)

// TestManyServices: many Services announced from 3 nodes (1,000 with
// FAROL_SCALE=1000, as make bench-l2 runs it): every address answers ARP
// from exactly one node, the one the election names, and every node owns
// a share.
func TestManyServices(t *testing.T) {
	n := 150
	if v := os.Getenv("FAROL_SCALE"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	w := newWorld(t, worldOptions{})
	if err := w.c.Create(w.ctx, gen.Pool("many", []string{"10.77.8.0/22"})); err != nil {
		t.Fatal(err)
	}
	w.pool()
	var wg sync.WaitGroup
	names := make(chan string)
	for range 8 {
		wg.Go(func() {
			for name := range names {
				s := gen.Service(name, gen.InNamespace(w.ns), gen.NoNodePorts(), gen.WithPool("many"))
				if err := w.c.Create(w.ctx, s); err != nil {
					t.Errorf("create %s: %v", name, err)
				}
				w.backendsShared(name)
			}
		})
	}
	start := time.Now()
	for i := range n {
		names <- fmt.Sprintf("m%04d", i)
	}
	close(names)
	wg.Wait()

	owners := map[netip.Addr]string{}
	w.eventually("every Service announced", 5*time.Minute, func() string {
		var list corev1.ServiceList
		if err := w.c.List(w.ctx, &list); err != nil {
			return err.Error()
		}
		done := 0
		for _, s := range list.Items {
			if s.Annotations[farolv1.AnnotationAnnouncingIPv4] != "" && len(s.Status.LoadBalancer.Ingress) > 0 {
				done++
			}
		}
		if done < n {
			return fmt.Sprintf("%d of %d announced", done, n)
		}
		return ""
	})
	t.Logf("%d Services announced %s after the first create", n, time.Since(start).Round(time.Millisecond))
	var list corev1.ServiceList
	if err := w.c.List(w.ctx, &list); err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, s := range list.Items {
		if len(s.Status.LoadBalancer.Ingress) == 0 {
			continue
		}
		vip := netip.MustParseAddr(s.Status.LoadBalancer.Ingress[0].IP)
		macs, err := w.arpAnswers(vip, 100*time.Millisecond)
		if err != nil || len(macs) != 1 {
			t.Fatalf("%s: ARP answers %v (%v)", vip, macs, err)
		}
		owners[vip] = w.macOf(macs[0])
		count[owners[vip]]++
		if want := w.ringOwner(vip); owners[vip] != want {
			t.Errorf("%s answered by %s, but every speaker should elect %s", vip, owners[vip], want)
		}
	}
	// The spread itself is the election's property, tested there with
	// enough addresses to be meaningful (internal/election spread tests);
	// here every node must simply take a share.
	t.Logf("ownership: %v", count)
	for _, node := range w.lab.Nodes {
		if count[node.Name] == 0 {
			t.Errorf("%s owns none of %d addresses", node.Name, len(owners))
		}
	}
	_ = metav1.Now
}
