package e2e

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/test/internal/procstat"
	"github.com/farol-lb/farol/test/lab"
)

// benchScalePoll is how often the scale part counts the router's routes:
// one dump of ten thousand multipath routes takes tens of milliseconds of
// a core that the speakers and FRR share, so not every 10 ms.
const benchScalePoll = 200 * time.Millisecond

// scaleResult is what advertising many Services took.
type scaleResult struct {
	services int
	// created: from the first create until the last create (Service and
	// EndpointSlice) returned.
	created time.Duration
	// addressed: from the first create until the controller's last
	// address write was seen on a watch.
	addressed time.Duration
	// routed: from that last address write until every route was in the
	// router's kernel table with a next hop per node.
	routed            time.Duration
	routedAtFirstRead bool
	// withdrawn: from the BGPAdvertisement's deletion until no route was
	// left; readvertised: from its creation again until every route was
	// back with a next hop per node (every Service at once, where the
	// first round came at the pace of the creates).
	withdrawn, readvertised time.Duration
	// worstDump is the longest read of the full table (the poll's cost).
	worstDump time.Duration
	// before and after: each speaker's memory, idle with one Service and
	// with every route advertised.
	nodes         []string
	before, after []procstat.Memory
	// resets counts sessions that were not up for the whole part (or
	// not up at its start).
	resets int
}

// scale advertises many Services from every node, then deletes the
// BGPAdvertisement and creates it again. The sessions rely on the hold
// timer: on this shared two-core machine, under the load of creating ten
// thousand objects, BFD at 100 ms × 3 has seen every session's packets
// stop for 300 ms at once and reset them all, which would blur what this
// part measures (the withdrawal part measures BFD).
func (bb *bgpBench) scale() scaleResult {
	w := bb.w
	bb.useRouter(false)
	res := scaleResult{services: bb.o.services}
	res.nodes, res.before = bb.speakerMemory()
	tab := bb.routeTable()
	sessions := bb.sessionsUp()
	bb.advertise("bench", benchScalePool)

	ctx, cancel := context.WithCancel(w.ctx)
	defer cancel()
	aw := watchAddresses(ctx, w, "bench")
	begin := time.Now()
	names := make(chan string)
	var wg sync.WaitGroup
	for range bb.o.workers {
		wg.Go(func() {
			for name := range names {
				bb.createService(name, "bench")
			}
		})
	}
	// The router's table is read from the last 1% of the creates on, so
	// that its completion is seen within one interval, without reading a
	// growing table all through the creation.
	type result struct {
		p   polled
		err error
	}
	done := make(chan result, 1)
	for i := range bb.o.services {
		if i == bb.o.services*99/100 {
			go func() {
				p, err := until(tab, benchScalePool, benchScalePoll, 20*time.Minute, fullRoutes(len(w.lab.Nodes), bb.o.services))
				done <- result{p, err}
			}()
		}
		names <- fmt.Sprintf("b%05d", i)
	}
	close(names)
	wg.Wait()
	res.created = time.Since(begin)
	w.t.Logf("%d Services created in %s", bb.o.services, res.created.Round(time.Millisecond))

	r := <-done
	routed, err := r.p, r.err
	if err != nil {
		w.t.Fatalf("%d routes with %d next hops: %v", bb.o.services, len(w.lab.Nodes), err)
	}
	res.worstDump = routed.worst
	// Read at once, the table may already have been complete: then the
	// figure is only an upper bound.
	res.routedAtFirstRead = routed.reads == 1
	count, last := aw.state()
	if count != bb.o.services {
		w.t.Fatalf("every route is in, but the watch saw %d of %d Services addressed", count, bb.o.services)
	}
	res.addressed, res.routed = last.Sub(begin), routed.at.Sub(last)
	w.t.Logf("last address %s after the first create, every route %s after it",
		res.addressed.Round(time.Millisecond), res.routed.Round(time.Millisecond))
	_, res.after = bb.speakerMemory()
	res.resets = bb.resets(sessions)

	res.withdrawn = bb.timeRoutes("BGPAdvertisement deleted", func() error {
		return w.c.Delete(w.ctx, &farolv1.BGPAdvertisement{ObjectMeta: metav1.ObjectMeta{Name: "bench"}})
	}, tab, 0)
	res.readvertised = bb.timeRoutes("BGPAdvertisement created again", func() error {
		return w.c.Create(w.ctx, &farolv1.BGPAdvertisement{ObjectMeta: metav1.ObjectMeta{Name: "bench"},
			Spec: farolv1.BGPAdvertisementSpec{Pools: []string{"bench"}}})
	}, tab, bb.o.services)
	return res
}

// timeRoutes does something and returns how long after it the router had
// exactly want routes in the scale pool, each with a next hop per node.
func (bb *bgpBench) timeRoutes(what string, do func() error, tab *lab.RouteTable, want int) time.Duration {
	w := bb.w
	n := len(w.lab.Nodes)
	begin := time.Now()
	if err := do(); err != nil {
		w.t.Fatalf("%s: %v", what, err)
	}
	done, err := until(tab, benchScalePool, benchScalePoll, 10*time.Minute, fullRoutes(n, want))
	if err != nil {
		w.t.Fatalf("%s: %d routes with %d next hops: %v", what, want, n, err)
	}
	w.t.Logf("%s: %d routes %s later", what, want, done.at.Sub(begin).Round(time.Millisecond))
	return done.at.Sub(begin)
}

// fullRoutes is a condition: exactly want routes, each with n next hops.
func fullRoutes(n, want int) func([]lab.Route) bool {
	return func(rs []lab.Route) bool {
		full := 0
		for _, r := range rs {
			if len(r.NextHops) == n {
				full++
			}
		}
		return len(rs) == want && full == want
	}
}

// speakerMemory reads every speaker's RSS and peak.
func (bb *bgpBench) speakerMemory() ([]string, []procstat.Memory) {
	w := bb.w
	var names []string
	var mems []procstat.Memory
	for _, n := range w.lab.Nodes {
		m, err := procstat.Read(w.speakers[n.Name].PID())
		if err != nil {
			w.t.Fatalf("%s's speaker: %v", n.Name, err)
		}
		names, mems = append(names, n.Name), append(mems, m)
	}
	return names, mems
}

// sessionsUp returns when each of the router's established sessions came
// up, by peer.
func (bb *bgpBench) sessionsUp() map[netip.Addr]time.Time {
	w := bb.w
	ss, err := bb.router.Sessions(w.ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	now := time.Now()
	up := map[netip.Addr]time.Time{}
	for _, s := range ss {
		if s.Established {
			up[s.Peer] = now.Add(-s.Uptime)
		}
	}
	return up
}

// resets counts the sessions of before that are down now or came up again
// since (FRR reports uptimes in whole seconds, hence the slack).
func (bb *bgpBench) resets(before map[netip.Addr]time.Time) int {
	w := bb.w
	after := bb.sessionsUp()
	resets := len(w.lab.Nodes) - len(before)
	for peer, t := range before {
		if t2, ok := after[peer]; !ok || t2.Sub(t) > 2*time.Second {
			w.t.Logf("session with %s: up since %s, now %v", peer, t.Format(time.StampMilli), t2.Format(time.StampMilli))
			resets++
		}
	}
	return resets
}

// addressWatch records, from a watch, when each Service of a pool was
// first seen with an address.
type addressWatch struct {
	mu   sync.Mutex
	seen map[string]bool
	last time.Time
}

// watchAddresses watches the Services labelled with pool until ctx ends.
func watchAddresses(ctx context.Context, w *world, pool string) *addressWatch {
	cs, err := kubernetes.NewForConfig(w.lab.Config)
	if err != nil {
		w.t.Fatal(err)
	}
	aw := &addressWatch{seen: map[string]bool{}}
	opts := metav1.ListOptions{LabelSelector: benchLabel + "=" + pool}
	// The first watch starts before any Service of the pool exists, and
	// this returns once it is open; later ones resume where the last
	// ended.
	ready := make(chan struct{})
	go func() {
		for ctx.Err() == nil {
			wi, err := cs.CoreV1().Services(w.ns).Watch(ctx, opts)
			if ready != nil {
				close(ready)
				ready = nil
			}
			if err != nil {
				time.Sleep(100 * time.Millisecond)
				continue
			}
			for ev := range wi.ResultChan() {
				s, ok := ev.Object.(*corev1.Service)
				if !ok {
					// An error (410 Gone): start again from now.
					opts.ResourceVersion = ""
					continue
				}
				opts.ResourceVersion = s.ResourceVersion
				if len(s.Status.LoadBalancer.Ingress) > 0 {
					aw.saw(s.Name, time.Now())
				}
			}
			wi.Stop()
		}
	}()
	<-ready
	return aw
}

func (aw *addressWatch) saw(name string, at time.Time) {
	aw.mu.Lock()
	defer aw.mu.Unlock()
	if !aw.seen[name] {
		aw.seen[name] = true
		aw.last = at
	}
}

func (aw *addressWatch) state() (int, time.Time) {
	aw.mu.Lock()
	defer aw.mu.Unlock()
	return len(aw.seen), aw.last
}
