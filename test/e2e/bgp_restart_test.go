package e2e

import (
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/test/gen"
	"github.com/farol-lb/farol/test/lab"
)

// requestEvery is the client's request loop in the stop and restart tests.
const requestEvery = 20 * time.Millisecond

// routeWatch polls the router's route to a prefix every 20 ms and keeps
// every moment it did not have exactly the wanted next hops.
type routeWatch struct {
	stop chan struct{}
	wg   sync.WaitGroup
	mu   sync.Mutex
	bad  []string
}

func (w *world) watchRoute(r *lab.Router, prefix netip.Prefix, want ...netip.Addr) *routeWatch {
	rw := &routeWatch{stop: make(chan struct{})}
	cond := gateways(w, r, prefix, want...)
	begin := time.Now()
	rw.wg.Go(func() {
		for {
			select {
			case <-rw.stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			if msg := cond(); msg != "" {
				rw.mu.Lock()
				rw.bad = append(rw.bad, fmt.Sprintf("+%v: %s", time.Since(begin).Round(time.Millisecond), msg))
				rw.mu.Unlock()
			}
		}
	})
	return rw
}

func (rw *routeWatch) done() []string {
	close(rw.stop)
	rw.wg.Wait()
	return rw.bad
}

// TestBGPStopAndRestart: with graceful restart (RFC 4724) on the router
// and the BGPPeer, a speaker restart keeps the router forwarding to its
// node: a client's request every 20 ms to a Service whose only endpoint is
// on that node never fails, and the route never leaves the router's table
// although the session did go down. Without graceful restart, a speaker
// stopping withdraws its node's routes before it exits: the node may then
// vanish (its link cut at once) and not one request fails.
func TestBGPStopAndRestart(t *testing.T) {
	w := newWorld(t, worldOptions{})
	r, err := w.lab.StartRouter(w.ctx, lab.RouterOptions{Daemon: lab.FRR, GracefulRestart: true, HoldTime: lossHold,
		Peers: []lab.RouterPeer{{Range: w.lab.Subnet4}}})
	if err != nil {
		t.Fatal(err)
	}
	routed := netip.MustParsePrefix("10.79.2.0/28")
	if err := r.RouteClient(w.ctx, routed); err != nil {
		t.Fatal(err)
	}
	peer := lossPeer("tor", r, false)
	peer.Spec.GracefulRestart = true
	w.create(
		gen.Pool("routed", []string{routed.String()}), peer,
		&farolv1.BGPAdvertisement{ObjectMeta: metav1.ObjectMeta{Name: "routed"}, Spec: farolv1.BGPAdvertisementSpec{Pools: []string{"routed"}}},
	)
	n1 := w.node("node-1")

	// Graceful restart: node-1 is the only way to the Service.
	local := w.service("only-node-1", []gen.ServiceOption{gen.WithPool("routed"), gen.Local()}, "node-1")[0]
	localHost := netip.PrefixFrom(local, 32)
	w.eventually("a route to "+local.String()+" through node-1", 30*time.Second, gateways(w, r, localHost, n1.IPv4))
	w.waitCurl(local)
	p := w.startProbe(local, requestEvery, time.Second)
	rw := w.watchRoute(r, localHost, n1.IPv4)
	restarted := time.Now()
	if err := w.speakers["node-1"].Stop(10 * time.Second); err != nil {
		t.Logf("stop: %v", err)
	}
	stopped := time.Since(restarted)
	w.startSpeaker(n1)
	w.eventually("node-1's session back", 30*time.Second, func() string {
		ss, err := r.Sessions(w.ctx)
		if err != nil {
			return err.Error()
		}
		for _, s := range ss {
			if s.Peer == n1.IPv4 {
				if !s.Established || s.Uptime > time.Since(restarted) {
					return fmt.Sprintf("node-1's session %+v: not re-established since the restart", s)
				}
				return ""
			}
		}
		return fmt.Sprintf("no session with node-1 in %+v", ss)
	})
	time.Sleep(3 * time.Second) // past the End-of-RIB, when stale routes go
	bad := rw.done()
	sum := p.stop()
	t.Logf("speaker restart with graceful restart: stopped in %v, back in %v; %d requests, %d failed",
		stopped.Round(time.Millisecond), time.Since(restarted).Round(time.Millisecond), sum.total, sum.failed)
	if sum.failed > 0 {
		t.Errorf("%d of %d requests failed across the restart: %s", sum.failed, sum.total, p.failuresAround(restarted))
	}
	if len(bad) > 0 {
		t.Errorf("the route left the router during the restart: %v", bad)
	}

	// Without graceful restart: a stop withdraws first.
	if err := w.c.Get(w.ctx, client.ObjectKeyFromObject(peer), peer); err != nil {
		t.Fatal(err)
	}
	peer.Spec.GracefulRestart = false
	if err := w.c.Update(w.ctx, peer); err != nil {
		t.Fatal(err)
	}
	// The endpoints are elsewhere: node-1's would fail with it, whatever
	// its routes did, until Kubernetes noticed.
	vip := w.service("elsewhere", []gen.ServiceOption{gen.WithPool("routed")}, "node-2", "node-3")[0]
	host := netip.PrefixFrom(vip, 32)
	w.eventually("a route to "+vip.String()+" through every node", 30*time.Second, gateways(w, r, host, w.nodeAddrs()...))
	w.waitCurl(vip)
	p = w.startProbe(vip, requestEvery, time.Second)
	time.Sleep(500 * time.Millisecond)
	begin := time.Now()
	if err := w.speakers["node-1"].Stop(10 * time.Second); err != nil {
		t.Logf("stop: %v", err)
	}
	exited := time.Since(begin)
	// The node goes away the moment its speaker is gone.
	if err := n1.LinkDown(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n1.LinkUp() })
	w.eventually("node-1's next hop withdrawn", 10*time.Second, gateways(w, r, host, w.nodeAddrs("node-2", "node-3")...))
	time.Sleep(lossHold + time.Second) // past the hold time a silent node would take
	sum = p.stop()
	t.Logf("graceful stop, node gone after: speaker exited in %v; %d requests, %d failed",
		exited.Round(time.Millisecond), sum.total, sum.failed)
	if sum.failed > 0 {
		t.Errorf("%d of %d requests failed across the graceful stop: %s", sum.failed, sum.total, p.failuresAround(begin))
	}
}
