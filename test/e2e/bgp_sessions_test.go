package e2e

import (
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/test/gen"
	"github.com/farol-lb/farol/test/lab"
)

// TestBGPPeerChangeResetsOnlyItsSessions: with two BGPPeers (FRR and
// BIRD) established from every node, changing one peer's hold time resets
// that peer's sessions and leaves the other router's sessions up (their
// time of establishment, as the router reports it, does not move); and a
// Service that comes and goes resets no session at all.
func TestBGPPeerChangeResetsOnlyItsSessions(t *testing.T) {
	w := newWorld(t, worldOptions{routers: 2})
	frr, bird := w.routedToFRRAndBIRD()
	nodes := w.nodeAddrs()
	// Long enough up that a reset shows as a jump of seconds.
	const settled = 3 * time.Second
	for _, r := range []*lab.Router{frr, bird} {
		w.eventually(string(r.Options.Daemon)+": every node's session up for "+settled.String(), 40*time.Second, sessionsUp(w, r, nodes, settled))
	}
	w.resetOnly(bird, frr, func() { w.changePeer("bird", func(s *farolv1.BGPPeerSpec) { s.HoldTime.Duration = 2 * quietHold }) })
	w.eventually("bird: every node's session up for "+settled.String(), 40*time.Second, sessionsUp(w, bird, nodes, settled))
	w.resetOnly(frr, bird, func() {
		w.changePeer("frr", func(s *farolv1.BGPPeerSpec) {
			s.HoldTime.Duration = 3 * quietHold
			s.KeepaliveTime = &metav1.Duration{Duration: quietHold / 2}
		})
	})
	w.eventually("frr: every node's session up for "+settled.String(), 40*time.Second, sessionsUp(w, frr, nodes, settled))

	// A Service added, then deleted: its route comes and goes, the
	// sessions stay.
	before := upSince(w, frr, bird)
	vip := w.service("churn", []gen.ServiceOption{gen.WithPool("routed")})[0]
	host := netip.PrefixFrom(vip, 32)
	for _, r := range []*lab.Router{frr, bird} {
		w.eventually(string(r.Options.Daemon)+": a route to "+host.String()+" through every node", 30*time.Second, gateways(w, r, host, nodes...))
	}
	w.deleteService("churn")
	for _, r := range []*lab.Router{frr, bird} {
		w.eventually(string(r.Options.Daemon)+": the route to "+host.String()+" withdrawn", 30*time.Second, gateways(w, r, host))
	}
	if moved := sameSessions(before, upSince(w, frr, bird)); moved != "" {
		t.Errorf("a Service added and deleted reset sessions: %s", moved)
	}
}

// TestBGPSelectors: a BGPPeer's node selector decides which nodes have a
// session with it (and so are its next hops), and a node relabelled to
// match joins; an advertisement's peers decide which routers get its
// routes, its node selector which nodes advertise them.
func TestBGPSelectors(t *testing.T) {
	w := newWorld(t, worldOptions{routers: 2})
	frr, bird := w.frrAndBIRD()
	w.label("node-1", "rack", "a")
	w.label("node-2", "rack", "a")
	rackA := &metav1.LabelSelector{MatchLabels: map[string]string{"rack": "a"}}
	adv := func(name string, f func(*farolv1.BGPAdvertisementSpec)) *farolv1.BGPAdvertisement {
		a := &farolv1.BGPAdvertisement{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: farolv1.BGPAdvertisementSpec{Pools: []string{name}}}
		f(&a.Spec)
		return a
	}
	w.create(
		gen.Pool("everywhere", []string{"10.79.0.0/28"}),
		gen.Pool("bird-only", []string{"10.79.1.0/28"}),
		gen.Pool("from-node-2", []string{"10.79.2.0/28"}),
		farolPeer("frr", frr, nodeASN, func(s *farolv1.BGPPeerSpec) { s.NodeSelector = rackA }),
		farolPeer("bird", bird, nodeASN),
		adv("everywhere", func(*farolv1.BGPAdvertisementSpec) {}),
		adv("bird-only", func(s *farolv1.BGPAdvertisementSpec) { s.Peers = []string{"bird"} }),
		adv("from-node-2", func(s *farolv1.BGPAdvertisementSpec) {
			s.NodeSelector = &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelHostname: "node-2"}}
		}),
	)
	host := func(svc string) netip.Prefix {
		return netip.PrefixFrom(w.service(svc, []gen.ServiceOption{gen.WithPool(svc)})[0], 32)
	}
	everywhere, birdOnly, fromNode2 := host("everywhere"), host("bird-only"), host("from-node-2")
	all, rack, node2 := w.nodeAddrs(), w.nodeAddrs("node-1", "node-2"), w.nodeAddrs("node-2")

	w.eventually("frr: a route to "+everywhere.String()+" through the rack-a nodes", 30*time.Second, gateways(w, frr, everywhere, rack...))
	w.eventually("bird: a route to "+everywhere.String()+" through every node", 30*time.Second, gateways(w, bird, everywhere, all...))
	w.eventually("bird: a route to "+birdOnly.String()+" through every node", 30*time.Second, gateways(w, bird, birdOnly, all...))
	for _, r := range []*lab.Router{frr, bird} {
		w.eventually(string(r.Options.Daemon)+": a route to "+fromNode2.String()+" through node-2 only", 30*time.Second, gateways(w, r, fromNode2, node2...))
	}
	if got := established(w, frr); !sameAddrs(got, rack) {
		t.Errorf("frr has sessions with %v, want the rack-a nodes %v", got, rack)
	}
	noPaths(w, frr, birdOnly)

	// node-3 moves into rack a: it peers with FRR and becomes a next hop.
	w.label("node-3", "rack", "a")
	// A label change reaches the speaker at once, not at its 30 s resync.
	w.eventually("frr: a route to "+everywhere.String()+" through every node", 15*time.Second, gateways(w, frr, everywhere, all...))
	if got := established(w, frr); !sameAddrs(got, all) {
		t.Errorf("frr has sessions with %v, want every node %v", got, all)
	}
	noPaths(w, frr, birdOnly)
	if moved := gateways(w, frr, fromNode2, node2...)(); moved != "" {
		t.Errorf("frr: %s: %s", fromNode2, moved)
	}
}

// TestBGPServiceDeleteWithdraws: a deleted Service's route leaves FRR's
// and BIRD's kernel tables; the time from the delete to its absence at
// each router is logged.
func TestBGPServiceDeleteWithdraws(t *testing.T) {
	w := newWorld(t, worldOptions{routers: 2})
	frr, bird := w.routedToFRRAndBIRD()
	nodes := w.nodeAddrs()
	routers := []*lab.Router{frr, bird}
	took := map[lab.RouterDaemon][]time.Duration{}
	for i := range 3 {
		name := fmt.Sprintf("gone-%d", i)
		host := netip.PrefixFrom(w.service(name, []gen.ServiceOption{gen.WithPool("routed")})[0], 32)
		for _, r := range routers {
			w.eventually(string(r.Options.Daemon)+": a route to "+host.String()+" through every node", 30*time.Second, gateways(w, r, host, nodes...))
		}
		begin := time.Now()
		w.deleteService(name)
		var wg sync.WaitGroup
		errs := make([]error, len(routers))
		at := make([]time.Duration, len(routers))
		for j, r := range routers {
			wg.Go(func() { at[j], errs[j] = untilNoRoute(w, r, host, begin, 10*time.Second) })
		}
		wg.Wait()
		for j, r := range routers {
			if errs[j] != nil {
				t.Fatal(errs[j])
			}
			took[r.Options.Daemon] = append(took[r.Options.Daemon], at[j])
			t.Logf("Service %s deleted: %s gone from %s's kernel table %s later", name, host, r.Options.Daemon, at[j].Round(time.Millisecond))
		}
	}
	for _, r := range routers {
		d := slices.Sorted(slices.Values(took[r.Options.Daemon]))
		t.Logf("%s: Service delete → route withdrawn: median %s, max %s over %d (shared, busy machine)",
			r.Options.Daemon, d[len(d)/2].Round(time.Millisecond), d[len(d)-1].Round(time.Millisecond), len(d))
	}
}

// untilNoRoute polls r's kernel table every 10 ms until it has no route
// to prefix, and returns how long after begin that was.
func untilNoRoute(w *world, r *lab.Router, prefix netip.Prefix, begin time.Time, timeout time.Duration) (time.Duration, error) {
	for {
		routes, err := r.Routes(w.ctx, prefix)
		if err != nil {
			return 0, err
		}
		if len(routes) == 0 {
			return time.Since(begin), nil
		}
		if time.Since(begin) > timeout {
			return 0, fmt.Errorf("%s: route to %s still there after %s: %+v", r.Options.Daemon, prefix, timeout, routes)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// sessionKey is one session: a router (by its daemon; frrAndBIRD runs one
// of each) and a node's address.
type sessionKey struct {
	router lab.RouterDaemon
	node   netip.Addr
}

// upSince returns when each Established session of the routers came up,
// by the routers' own account.
func upSince(w *world, rs ...*lab.Router) map[sessionKey]time.Time {
	w.t.Helper()
	out := map[sessionKey]time.Time{}
	for _, r := range rs {
		ss, err := r.Sessions(w.ctx)
		if err != nil {
			w.t.Fatal(err)
		}
		for _, s := range ss {
			if s.Established {
				out[sessionKey{r.Options.Daemon, s.Peer}] = s.Since
			}
		}
	}
	return out
}

// sessionSlack absorbs FRR's whole seconds (it may round an epoch either
// way): a reset moves a session's time by more than settled.
const sessionSlack = 1500 * time.Millisecond

// sameSessions says which sessions of before are gone or came up again in
// after; "" if none.
func sameSessions(before, after map[sessionKey]time.Time) string {
	var moved []string
	for k, t0 := range before {
		t1, ok := after[k]
		switch {
		case !ok:
			moved = append(moved, fmt.Sprintf("%s–%s down", k.router, k.node))
		case t1.Sub(t0).Abs() > sessionSlack:
			moved = append(moved, fmt.Sprintf("%s–%s up since %s, was %s", k.router, k.node, t1.Format(time.StampMilli), t0.Format(time.StampMilli)))
		}
	}
	slices.Sort(moved)
	if len(moved) == 0 {
		return ""
	}
	return fmt.Sprint(moved)
}

// resetOnly runs change, which concerns changed's peer, and checks that
// every session of changed came up again after it while kept's sessions
// stayed up throughout.
func (w *world) resetOnly(changed, kept *lab.Router, change func()) {
	w.t.Helper()
	before := upSince(w, kept)
	at := time.Now()
	change()
	nodes := w.nodeAddrs()
	w.eventually(string(changed.Options.Daemon)+": every node's session reset by the change", 30*time.Second, func() string {
		up := upSince(w, changed)
		for _, n := range nodes {
			since, ok := up[sessionKey{changed.Options.Daemon, n}]
			if !ok || since.Before(at.Add(-sessionSlack)) {
				return fmt.Sprintf("sessions up since %v, change at %s", up, at.Format(time.StampMilli))
			}
		}
		return ""
	})
	if moved := sameSessions(before, upSince(w, kept)); moved != "" {
		w.t.Errorf("changing %s's peer reset %s's sessions: %s", changed.Options.Daemon, kept.Options.Daemon, moved)
		return
	}
	took := time.Since(at).Round(time.Millisecond)
	w.t.Logf("%s's peer changed: its sessions up again within %s, %s's untouched", changed.Options.Daemon, took, kept.Options.Daemon)
}

// sessionsUp is a condition: r has Established sessions with exactly the
// nodes, each up for at least minUp.
func sessionsUp(w *world, r *lab.Router, nodes []netip.Addr, minUp time.Duration) func() string {
	return func() string {
		ss, err := r.Sessions(w.ctx)
		if err != nil {
			return err.Error()
		}
		var up []netip.Addr
		for _, s := range ss {
			if s.Established && s.Uptime >= minUp {
				up = append(up, s.Peer)
			}
		}
		if !sameAddrs(up, nodes) {
			return fmt.Sprintf("sessions %+v", ss)
		}
		return ""
	}
}

// bfdUp is a condition: r has a BFD session Up with every node.
func bfdUp(w *world, r *lab.Router) func() string {
	return func() string {
		ps, err := r.BFDPeers(w.ctx)
		if err != nil {
			return err.Error()
		}
		var up []netip.Addr
		for _, p := range ps {
			if p.Up {
				up = append(up, p.Peer)
			}
		}
		if !sameAddrs(up, w.nodeAddrs()) {
			return fmt.Sprintf("BFD peers %+v", ps)
		}
		return ""
	}
}

// established lists the nodes r has an Established session with.
func established(w *world, r *lab.Router) []netip.Addr {
	w.t.Helper()
	ss, err := r.Sessions(w.ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	var out []netip.Addr
	for _, s := range ss {
		if s.Established {
			out = append(out, s.Peer)
		}
	}
	return out
}

// noPaths fails the test if r has a BGP path to prefix.
func noPaths(w *world, r *lab.Router, prefix netip.Prefix) {
	w.t.Helper()
	paths, err := r.BGPPaths(w.ctx, prefix)
	if err != nil {
		w.t.Fatal(err)
	}
	if len(paths) > 0 {
		w.t.Errorf("%s has paths to %s, which is not advertised to it: %+v", r.Options.Daemon, prefix, paths)
	}
}

// changePeer updates the BGPPeer called name with f.
func (w *world) changePeer(name string, f func(*farolv1.BGPPeerSpec)) {
	w.t.Helper()
	var p farolv1.BGPPeer
	if err := w.c.Get(w.ctx, client.ObjectKey{Name: name}, &p); err != nil {
		w.t.Fatal(err)
	}
	f(&p.Spec)
	if err := w.c.Update(w.ctx, &p); err != nil {
		w.t.Fatal(err)
	}
}

// deleteService deletes a Service of the test namespace.
func (w *world) deleteService(name string) {
	w.t.Helper()
	s := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: w.ns, Name: name}}
	if err := w.c.Delete(w.ctx, s); err != nil {
		w.t.Fatal(err)
	}
}
