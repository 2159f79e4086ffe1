package e2e

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/test/gen"
	"github.com/farol-lb/farol/test/lab"
)

// TestBGPECMP: with a BGPPeer for the lab's FRR router and a
// BGPAdvertisement for a routed pool, every node's speaker advertises the
// Service's address (over sessions with TCP MD5, the password copied by
// the controller) and the router installs one route with a next hop per
// node (ECMP); a client behind the router reaches the Service. With
// externalTrafficPolicy Local only the nodes with an endpoint stay next
// hops, and a speaker that stops withdraws its own.
func TestBGPECMP(t *testing.T) {
	w := newWorld(t, worldOptions{})
	r, err := w.lab.StartRouter(w.ctx, lab.RouterOptions{Daemon: lab.FRR,
		Peers: []lab.RouterPeer{{Range: w.lab.Subnet4, Password: "e2e-md5",
			// Slow BFD: this test checks that the status is left alone while
			// nothing happens, and 100 ms × 3 can expire on a loaded
			// machine (TestBGPNodeLoss measures the fast one).
			BFD: &lab.BFDOptions{MinRx: 300 * time.Millisecond, MinTx: 300 * time.Millisecond, Multiplier: 3}}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Stop() })
	routed := netip.MustParsePrefix("10.79.0.0/28")
	if err := r.RouteClient(w.ctx, routed); err != nil {
		t.Fatal(err)
	}
	ms := func(d time.Duration) *metav1.Duration { return &metav1.Duration{Duration: d} }
	three := int32(3)
	objs := []client.Object{
		// The password reaches the speakers through the controller's copy.
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "farol-system", Name: "tor-md5"},
			Data: map[string][]byte{"password": []byte("e2e-md5")}},
		gen.Pool("routed", []string{routed.String()}),
		&farolv1.BGPPeer{ObjectMeta: metav1.ObjectMeta{Name: "tor"}, Spec: farolv1.BGPPeerSpec{
			PeerAddress: r.Host.IPv4.String(), PeerASN: r.Options.ASN, MyASN: 64601, HoldTime: ms(3 * time.Second),
			PasswordSecretRef: &farolv1.SecretKeyRef{Name: "tor-md5"},
			BFD:               &farolv1.BFD{MinRx: ms(300 * time.Millisecond), MinTx: ms(300 * time.Millisecond), Multiplier: &three}}},
		&farolv1.BGPAdvertisement{ObjectMeta: metav1.ObjectMeta{Name: "routed"}, Spec: farolv1.BGPAdvertisementSpec{Pools: []string{"routed"}}},
	}
	for _, o := range objs {
		if err := w.c.Create(w.ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	var all []netip.Addr
	for _, n := range w.lab.Nodes {
		all = append(all, n.IPv4)
	}
	vip := w.service("routed-web", []gen.ServiceOption{gen.WithPool("routed")})[0]
	host := netip.PrefixFrom(vip, 32)
	w.eventually("a route to "+vip.String()+" through every node", 30*time.Second, gateways(w, r, host, all...))
	body := w.waitCurl(vip)
	t.Logf("%s through the router: %s", vip, body)

	// Each node's speaker reports its session, and then leaves the object
	// alone while nothing changes.
	w.eventually("node-1's BGPNodeStatus", 15*time.Second, func() string {
		var st farolv1.BGPNodeStatus
		if err := w.c.Get(w.ctx, client.ObjectKey{Name: "node-1"}, &st); err != nil {
			return err.Error()
		}
		if st.Status.Established != 1 || st.Status.Total != 1 || len(st.Status.Sessions) != 1 {
			return fmt.Sprintf("%+v", st.Status)
		}
		s := st.Status.Sessions[0]
		if s.Peer != "tor" || s.State != farolv1.BGPSessionEstablished || s.PrefixesSent < 1 || s.BFD != farolv1.BFDUp || s.Since == nil {
			return fmt.Sprintf("%+v", s)
		}
		return ""
	})
	// kubectl farol sees the same: every node advertises, every session
	// is up, and explain agrees with the cluster.
	rep := w.farolStatus()
	if a, ok := statusAddress(rep, w.ns, "routed-web", vip.String()); !ok || len(a.Announcements) != 1 ||
		a.Announcements[0].Mode != "bgp" || len(a.Announcements[0].Nodes) != len(w.lab.Nodes) {
		t.Errorf("status for %s: %+v, want advertised over BGP by every node", vip, a)
	}
	if len(rep.BGP) != len(w.lab.Nodes) {
		t.Errorf("status shows BGP sessions of %d nodes, want %d: %+v", len(rep.BGP), len(w.lab.Nodes), rep.BGP)
	}
	for _, n := range rep.BGP {
		if n.Established != 1 {
			t.Errorf("status: node %s has %d sessions established, want 1: %+v", n.Node, n.Established, n.Sessions)
		}
	}
	if out := w.farolCLI("explain", "svc/routed-web", "-n", w.ns); strings.Contains(out, "DISAGREES") {
		t.Errorf("explain disagrees with the cluster:\n%s", out)
	}

	var before farolv1.BGPNodeStatus
	if err := w.c.Get(w.ctx, client.ObjectKey{Name: "node-1"}, &before); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Second)
	var after farolv1.BGPNodeStatus
	if err := w.c.Get(w.ctx, client.ObjectKey{Name: "node-1"}, &after); err != nil {
		t.Fatal(err)
	}
	if after.ResourceVersion != before.ResourceVersion {
		t.Errorf("BGPNodeStatus rewritten while nothing changed: %+v -> %+v", before.Status, after.Status)
	}

	// Local traffic: only node-2 and node-3 have endpoints.
	local := w.service("routed-local", []gen.ServiceOption{gen.WithPool("routed"), gen.Local()}, "node-2", "node-3")[0]
	w.eventually("a route to "+local.String()+" through node-2 and node-3 only", 30*time.Second,
		gateways(w, r, netip.PrefixFrom(local, 32), w.node("node-2").IPv4, w.node("node-3").IPv4))
	// ECMP spreads connections: with Local traffic the node a connection
	// enters is the node of the backend that answers, so 40 connections
	// must name both.
	w.waitCurl(local)
	spread := map[string]int{}
	for range 40 {
		body, err := w.lab.Curl(w.ctx, w.url(local))
		if err != nil {
			t.Fatalf("curl %s through the router: %v", local, err)
		}
		f := strings.Fields(body)
		if len(f) < 2 {
			t.Fatalf("unexpected answer %q", body)
		}
		spread[f[1]]++
	}
	t.Logf("40 connections to %s through the router: %v", local, spread)
	if len(spread) < 2 {
		t.Errorf("40 connections all entered one node: %v", spread)
	}

	// node-1's speaker stops: its next hop goes, the others stay.
	begin := time.Now()
	if err := w.speakers["node-1"].Stop(10 * time.Second); err != nil {
		t.Logf("stop: %v", err)
	}
	w.eventually("node-1's next hop withdrawn", 10*time.Second, gateways(w, r, host, w.node("node-2").IPv4, w.node("node-3").IPv4))
	t.Logf("node-1's speaker stopped: next hop gone at the router %s later", time.Since(begin).Round(time.Millisecond))
}

// gateways is a condition: the router's route to prefix has exactly want
// as next hops.
func gateways(w *world, r *lab.Router, prefix netip.Prefix, want ...netip.Addr) func() string {
	return func() string {
		routes, err := r.Routes(w.ctx, prefix)
		if err != nil {
			return err.Error()
		}
		var got []netip.Addr
		for _, rt := range routes {
			for _, nh := range rt.NextHops {
				got = append(got, nh.Gateway)
			}
		}
		if !sameAddrs(got, want) {
			return fmt.Sprintf("next hops %v, want %v", got, w)
		}
		return ""
	}
}
