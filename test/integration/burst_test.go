package integration

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/farol-lb/farol/test/gen"
)

// TestBurst creates many Services at once and reports time-to-address
// (from the create call to the address appearing on a watch) p50/p99 and
// the total; FAROL_BURST sets the count (make burst uses 1,000). It asserts
// that every Service got a distinct address and was written exactly once;
// the timings are reported, not asserted, because machines are noisy.
func TestBurst(t *testing.T) {
	n := 200
	if v := os.Getenv("FAROL_BURST"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			t.Fatalf("FAROL_BURST=%q: %v", v, err)
		}
	}
	e := newEnv(t)
	e.createPool(gen.Pool("burst", []string{"10.70.0.0/16"}))
	e.startController()
	e.createService(gen.Service("warmup"))
	e.waitAddresses("warmup", 1)

	cfg := rest.CopyConfig(e.cl.Config)
	cfg.QPS, cfg.Burst = 2000, 2000
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(e.ctx, 10*time.Minute)
	defer cancel()
	w, err := cs.CoreV1().Services(e.ns).Watch(ctx, metav1.ListOptions{ResourceVersion: e.service("warmup").ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	var mu sync.Mutex
	created := map[string]time.Time{}
	got := map[string]time.Duration{}
	// seen is create call to the watch's ADDED event: the API server's own
	// share of the latency, for comparison.
	seen := map[string]time.Duration{}
	writes := map[string]int{}
	ips := map[string]string{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range w.ResultChan() {
			s, ok := ev.Object.(*corev1.Service)
			if !ok {
				continue
			}
			now := time.Now()
			mu.Lock()
			if start, ok := created[s.Name]; ok && ev.Type == watch.Added {
				seen[s.Name] = now.Sub(start)
			}
			if start, ok := created[s.Name]; ok && len(s.Status.LoadBalancer.Ingress) > 0 {
				writes[s.Name]++
				if _, seen := got[s.Name]; !seen {
					got[s.Name] = now.Sub(start)
					ips[s.Name] = s.Status.LoadBalancer.Ingress[0].IP
				}
			}
			complete := len(got) == n
			mu.Unlock()
			if complete {
				return
			}
		}
	}()

	start := time.Now()
	var wg sync.WaitGroup
	names := make(chan string)
	for range 16 {
		wg.Go(func() {
			for name := range names {
				s := gen.Service(name, gen.InNamespace(e.ns), gen.NoNodePorts())
				mu.Lock()
				created[name] = time.Now()
				mu.Unlock()
				if _, err := cs.CoreV1().Services(e.ns).Create(ctx, s, metav1.CreateOptions{}); err != nil {
					t.Errorf("create %s: %v", name, err)
				}
			}
		})
	}
	for i := range n {
		names <- fmt.Sprintf("burst-%04d", i)
	}
	close(names)
	wg.Wait()
	createdIn := time.Since(start)
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatalf("only %d of %d Services got an address", len(got), n)
	}
	total := time.Since(start)
	// Give a second write, if there were one, time to show up.
	time.Sleep(time.Second)

	mu.Lock()
	defer mu.Unlock()
	lat := make([]time.Duration, 0, n)
	holder := map[string]string{}
	for name, d := range got {
		lat = append(lat, d)
		if other, dup := holder[ips[name]]; dup {
			t.Fatalf("%s and %s both got %s", other, name, ips[name])
		}
		holder[ips[name]] = name
	}
	base := make([]time.Duration, 0, n)
	for _, d := range seen {
		base = append(base, d)
	}
	slices.Sort(base)
	multi := 0
	for _, c := range writes {
		if c > 1 {
			multi++
		}
	}
	if multi > 0 {
		t.Errorf("%d of %d Services were written more than once after getting an address", multi, n)
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[int(float64(len(lat)-1)*p)] }
	if len(base) > 0 {
		t.Logf("API server alone (create call to ADDED on a watch): p50 %s, p99 %s",
			base[len(base)/2].Round(time.Millisecond), base[int(float64(len(base)-1)*0.99)].Round(time.Millisecond))
	}
	t.Logf("burst of %d Services: created in %s (%.0f/s); time to address p50 %s, p90 %s, p99 %s, max %s; all addressed after %s",
		n, createdIn.Round(time.Millisecond), float64(n)/createdIn.Seconds(),
		pct(0.5).Round(time.Millisecond), pct(0.9).Round(time.Millisecond), pct(0.99).Round(time.Millisecond),
		lat[len(lat)-1].Round(time.Millisecond), total.Round(time.Millisecond))
}
