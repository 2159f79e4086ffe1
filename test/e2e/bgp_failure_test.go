package e2e

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/test/gen"
	"github.com/farol-lb/farol/test/lab"
)

// bgpLoss are the timers of the node-loss tests: the shortest hold time
// FRR accepts, and BFD at 100 ms × 3.
const (
	lossHold  = 3 * time.Second
	bfdTarget = 500 * time.Millisecond
	// bfdReturn bounds how long a node whose link came back waits for its
	// route with BFD: the session this node reset when BFD went down dials
	// again every second, where GoBGP waits 5 s in Idle after a hold
	// timer expiry or the router's NOTIFICATION.
	bfdReturn = 5 * time.Second
)

func dur(d time.Duration) *metav1.Duration { return &metav1.Duration{Duration: d} }

// lossPeer is a BGPPeer for the lab's router with the loss tests' timers,
// BFD 100 ms × 3 when bfd.
func lossPeer(name string, r *lab.Router, bfd bool) *farolv1.BGPPeer {
	p := &farolv1.BGPPeer{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: farolv1.BGPPeerSpec{
		PeerAddress: r.Host.IPv4.String(), PeerASN: r.Options.ASN, MyASN: 64601, HoldTime: dur(lossHold)}}
	if bfd {
		three := int32(3)
		p.Spec.BFD = &farolv1.BFD{MinRx: dur(100 * time.Millisecond), MinTx: dur(100 * time.Millisecond), Multiplier: &three}
	}
	return p
}

// cutUntilGone cuts node's link and returns how long the router kept it as
// a next hop to host, polling every 10 ms for at most limit; the link
// comes back before it returns.
func (w *world) cutUntilGone(r *lab.Router, node string, host netip.Prefix, limit time.Duration) (time.Duration, bool) {
	w.t.Helper()
	n := w.node(node)
	keep := w.nodeAddrs()
	var others []netip.Addr
	for _, a := range keep {
		if a != n.IPv4 {
			others = append(others, a)
		}
	}
	gone := gateways(w, r, host, others...)
	begin := time.Now()
	if err := n.LinkDown(); err != nil {
		w.t.Fatal(err)
	}
	defer func() {
		if err := n.LinkUp(); err != nil {
			w.t.Fatal(err)
		}
	}()
	for time.Since(begin) < limit {
		if gone() == "" {
			return time.Since(begin), true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(begin), false
}

// TestBGPNodeLoss: a node whose link is cut loses its next hop at the
// router within 500 ms with BFD 100 ms × 3, against FRR's bfdd and BIRD,
// and the node's own side resets its BGP session when BFD goes down;
// without BFD the route goes only when the hold time runs out.
func TestBGPNodeLoss(t *testing.T) {
	w := newWorld(t, worldOptions{})
	routed := netip.MustParsePrefix("10.79.1.0/28")
	w.create(gen.Pool("routed", []string{routed.String()}),
		&farolv1.BGPAdvertisement{ObjectMeta: metav1.ObjectMeta{Name: "routed"}, Spec: farolv1.BGPAdvertisementSpec{Pools: []string{"routed"}}})
	vip := w.service("loss", []gen.ServiceOption{gen.WithPool("routed")})[0]
	host := netip.PrefixFrom(vip, 32)
	for _, daemon := range []lab.RouterDaemon{lab.FRR, lab.BIRD} {
		for _, bfd := range []bool{true, false} {
			name := fmt.Sprintf("%s-bfd-%v", daemon, bfd)
			ro := lab.RouterOptions{Daemon: daemon, HoldTime: lossHold, Peers: []lab.RouterPeer{{Range: w.lab.Subnet4}}}
			if bfd {
				ro.Peers[0].BFD = &lab.BFDOptions{}
			}
			r, err := w.lab.StartRouter(w.ctx, ro)
			if err != nil {
				t.Fatal(err)
			}
			if err := r.RouteClient(w.ctx, routed); err != nil {
				t.Fatal(err)
			}
			peer := lossPeer(name, r, bfd)
			w.create(peer)
			w.eventually(name+": a route to "+vip.String()+" through every node", 30*time.Second, gateways(w, r, host, w.nodeAddrs()...))
			if bfd {
				w.eventually(name+": BFD up with every node", 20*time.Second, bfdUp(w, r))
			}
			w.waitCurl(vip)
			took, ok := w.cutUntilGone(r, "node-1", host, 3*lossHold)
			switch {
			case !ok:
				t.Errorf("%s: node-1 still a next hop %v after its link was cut", name, took)
			case bfd && took > bfdTarget:
				t.Errorf("%s: node-1's next hop gone %v after the cut, want under %v", name, took, bfdTarget)
			case !bfd && took < lossHold/3:
				t.Errorf("%s: node-1's next hop gone %v after the cut without BFD: before a hold time could run out", name, took)
			}
			t.Logf("%s: node-1's link cut: next hop gone at the router %v later", name, took.Round(time.Millisecond))
			back := time.Now() // the link came back as cutUntilGone returned
			w.eventually(name+": node-1 back as a next hop", 30*time.Second, gateways(w, r, host, w.nodeAddrs()...))
			t.Logf("%s: node-1's link back: next hop again %v later", name, time.Since(back).Round(time.Millisecond))
			if bfd && time.Since(back) > bfdReturn {
				t.Errorf("%s: node-1 a next hop again only %v after its link came back, want under %v", name, time.Since(back), bfdReturn)
			}
			if bfd {
				// node-1 reset its side when BFD went down, and says so.
				w.eventually(name+": node-1's status says BFD took the session down", 20*time.Second, func() string {
					var st farolv1.BGPNodeStatus
					if err := w.c.Get(w.ctx, client.ObjectKey{Name: "node-1"}, &st); err != nil {
						return err.Error()
					}
					for _, s := range st.Status.Sessions {
						if s.Peer == name && strings.Contains(s.LastError, "BFD") {
							return ""
						}
					}
					return fmt.Sprintf("sessions %+v", st.Status.Sessions)
				})
			}
			if err := w.c.Delete(w.ctx, peer); err != nil {
				t.Fatal(err)
			}
			if err := r.Stop(); err != nil {
				t.Logf("stop %s: %v", daemon, err)
			}
		}
	}
}
