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
// that every Service got a distinct address and was written exactly once,
// watching until the controller has written nothing for a while after the
// last address; the timings are reported, not asserted, because machines
// are noisy.
func TestBurst(t *testing.T) {
	const quiet = 3 * time.Second
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
	addressed := make(chan struct{}) // every Service has its address
	idle := make(chan struct{})      // and then nothing was written for quiet
	go func() {
		defer close(idle)
		var quietTimer <-chan time.Time
		for {
			var ev watch.Event
			select {
			case e, open := <-w.ResultChan():
				if !open {
					t.Error("the watch ended before the controller was idle")
					return
				}
				ev = e
			case <-quietTimer:
				return
			case <-ctx.Done():
				return
			}
			s, ok := ev.Object.(*corev1.Service)
			if !ok {
				continue
			}
			now := time.Now()
			mu.Lock()
			if start, ok := created[s.Name]; ok && ev.Type == watch.Added {
				seen[s.Name] = now.Sub(start)
			}
			if start, ok := created[s.Name]; ok && ev.Type == watch.Modified {
				writes[s.Name]++
				if _, seen := got[s.Name]; !seen && len(s.Status.LoadBalancer.Ingress) > 0 {
					got[s.Name] = now.Sub(start)
					ips[s.Name] = s.Status.LoadBalancer.Ingress[0].IP
				}
			}
			complete := len(got) == n
			mu.Unlock()
			if complete {
				if quietTimer == nil {
					close(addressed)
				}
				// Any later write would be a second one: keep watching
				// until the controller has been idle for a while.
				quietTimer = time.After(quiet)
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
	case <-addressed:
	case <-ctx.Done():
		mu.Lock()
		t.Fatalf("only %d of %d Services got an address", len(got), n)
	}
	total := time.Since(start)
	<-idle

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
	var multi []string
	for name, c := range writes {
		if c != 1 {
			multi = append(multi, fmt.Sprintf("%s %d times", name, c))
		}
	}
	if len(multi) > 0 {
		slices.Sort(multi)
		t.Errorf("%d of %d Services were not written exactly once: %v", len(multi), n, multi)
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
