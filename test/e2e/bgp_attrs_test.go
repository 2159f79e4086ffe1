package e2e

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/test/gen"
	"github.com/farol-lb/farol/test/lab"
)

// TestBGPAttributes: an advertisement with a standard and a large
// community, a local preference and an aggregation length reaches FRR and
// BIRD, both iBGP peers of every node, as one aggregate route per router
// (no host route) whose path from each node carries all three attributes,
// read from the routers' own BGP tables.
func TestBGPAttributes(t *testing.T) {
	w := newWorld(t, worldOptions{routers: 2})
	const asn = 64512 // iBGP: LOCAL_PREF is sent only inside the AS
	frr := w.startRouter(lab.RouterOptions{Daemon: lab.FRR, ASN: asn, HoldTime: quietHold,
		Peers: []lab.RouterPeer{{Range: w.lab.Subnet4, ASN: asn}}})
	bird := w.startRouter(lab.RouterOptions{Daemon: lab.BIRD, Host: w.lab.Routers[1], ASN: asn, HoldTime: quietHold,
		Peers: []lab.RouterPeer{{Range: w.lab.Subnet4, ASN: asn}}})
	agg, pref := int32(28), uint32(250)
	w.create(
		gen.Pool("agg", []string{"10.79.0.0/27"}),
		farolPeer("frr", frr, asn),
		farolPeer("bird", bird, asn),
		&farolv1.BGPAdvertisement{ObjectMeta: metav1.ObjectMeta{Name: "agg"}, Spec: farolv1.BGPAdvertisementSpec{
			Pools: []string{"agg"}, AggregationLength: &agg, LocalPref: &pref,
			Communities: []farolv1.Community{"65000:100", "1:2:3"}}},
	)
	vip := w.service("agg-web", []gen.ServiceOption{gen.WithPool("agg")})[0]
	block := netip.PrefixFrom(vip, int(agg)).Masked()
	host := netip.PrefixFrom(vip, 32)
	nodes := w.nodeAddrs()
	for _, r := range []*lab.Router{frr, bird} {
		name := string(r.Options.Daemon)
		w.eventually(name+": a route to "+block.String()+" through every node", 30*time.Second, gateways(w, r, block, nodes...))
		w.eventually(name+": the paths' attributes", 10*time.Second, func() string {
			paths, err := r.BGPPaths(w.ctx, block)
			if err != nil {
				return err.Error()
			}
			var from []netip.Addr
			for _, p := range paths {
				from = append(from, p.NextHop)
				if !slices.Equal(p.Communities, []string{"65000:100"}) || !slices.Equal(p.LargeCommunities, []string{"1:2:3"}) || p.LocalPref != pref {
					return fmt.Sprintf("path from %s: communities %v, large %v, local preference %d; want [65000:100], [1:2:3], %d",
						p.NextHop, p.Communities, p.LargeCommunities, p.LocalPref, pref)
				}
			}
			if !sameAddrs(from, nodes) {
				return fmt.Sprintf("paths from %v, want %v", from, nodes)
			}
			return ""
		})
		// Aggregated: the address itself is never advertised.
		if paths, err := r.BGPPaths(w.ctx, host); err != nil || len(paths) > 0 {
			t.Errorf("%s: paths to %s: %+v, %v; want none (aggregated into %s)", name, host, paths, err, block)
		}
	}
}

// TestBGPNoReadvertise: a route FRR sends to the nodes never goes on from
// a node to BIRD, the nodes' other peer, while the nodes' own Service
// route does reach BIRD through every node.
func TestBGPNoReadvertise(t *testing.T) {
	w := newWorld(t, worldOptions{routers: 2})
	learned := netip.MustParsePrefix("10.99.0.0/24")
	frr, bird := w.routedToFRRAndBIRD(learned)
	vip := w.service("routed-web", []gen.ServiceOption{gen.WithPool("routed")})[0]
	host := netip.PrefixFrom(vip, 32)
	nodes := w.nodeAddrs()
	w.eventually("bird: a route to "+host.String()+" through every node", 30*time.Second, gateways(w, bird, host, nodes...))
	// FRR has sent its route to every node (and got the Service's).
	w.eventually("frr: "+learned.String()+" sent to every node", 30*time.Second, func() string {
		ss, err := frr.Sessions(w.ctx)
		if err != nil {
			return err.Error()
		}
		var to []netip.Addr
		for _, s := range ss {
			if s.Established && s.Sent4 == 1 && s.Received4 == 1 {
				to = append(to, s.Peer)
			}
		}
		if !sameAddrs(to, nodes) {
			return fmt.Sprintf("sessions %+v", ss)
		}
		return ""
	})
	// An UPDATE takes milliseconds; watch BIRD for a while.
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		paths, err := bird.BGPPaths(w.ctx, learned)
		if err != nil {
			t.Fatal(err)
		}
		if len(paths) > 0 {
			t.Fatalf("bird learned FRR's %s from the nodes: %+v", learned, paths)
		}
		ss, err := bird.Sessions(w.ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range ss {
			if s.Received4 != 1 || s.Received6 != 0 {
				t.Fatalf("bird session with %s: %d IPv4 and %d IPv6 prefixes received, want only the Service's", s.Peer, s.Received4, s.Received6)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// nodeASN is the nodes' AS number towards the eBGP routers of frrAndBIRD.
const nodeASN = 64601

// frrAndBIRD starts FRR (AS 64512) on the lab's first router host and
// BIRD (AS 64513) on its second, each accepting eBGP sessions from any
// node; FRR sends the nodes the announce prefixes, BIRD nothing.
func (w *world) frrAndBIRD(announce ...netip.Prefix) (frr, bird *lab.Router) {
	w.t.Helper()
	peers := []lab.RouterPeer{{Range: w.lab.Subnet4}}
	frr = w.startRouter(lab.RouterOptions{Daemon: lab.FRR, ASN: 64512, HoldTime: quietHold, Peers: peers, Announce: announce})
	bird = w.startRouter(lab.RouterOptions{Daemon: lab.BIRD, ASN: 64513, HoldTime: quietHold, Host: w.lab.Routers[1], Peers: peers})
	return frr, bird
}

// routedToFRRAndBIRD runs frrAndBIRD and peers every node with both
// (BGPPeers frr and bird), advertising the pool routed (10.79.0.0/28) to
// both.
func (w *world) routedToFRRAndBIRD(announce ...netip.Prefix) (frr, bird *lab.Router) {
	w.t.Helper()
	frr, bird = w.frrAndBIRD(announce...)
	w.create(
		gen.Pool("routed", []string{"10.79.0.0/28"}),
		farolPeer("frr", frr, nodeASN),
		farolPeer("bird", bird, nodeASN),
		&farolv1.BGPAdvertisement{ObjectMeta: metav1.ObjectMeta{Name: "routed"}, Spec: farolv1.BGPAdvertisementSpec{Pools: []string{"routed"}}},
	)
	return frr, bird
}

// startRouter starts a router in the lab, stopped when the test ends.
func (w *world) startRouter(o lab.RouterOptions) *lab.Router {
	w.t.Helper()
	r, err := w.lab.StartRouter(w.ctx, o)
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { _ = r.Stop() })
	return r
}

// create creates the objects, in order.
func (w *world) create(objs ...client.Object) {
	w.t.Helper()
	for _, o := range objs {
		if err := w.c.Create(w.ctx, o); err != nil {
			w.t.Fatal(err)
		}
	}
}

// nodeAddrs are the nodes' IPv4 addresses, or those of the named nodes.
func (w *world) nodeAddrs(names ...string) []netip.Addr {
	var out []netip.Addr
	for _, n := range w.lab.Nodes {
		if len(names) == 0 || slices.Contains(names, n.Name) {
			out = append(out, n.IPv4)
		}
	}
	return out
}

// quietHold is the hold time of the sessions in these tests, on both
// sides: long, so that a busy machine's late keepalive resets no session
// (none of these tests waits for a hold timer).
const quietHold = 30 * time.Second

// farolPeer is a BGPPeer for the lab router r with this node-side AS and
// the quietHold, changed by the options.
func farolPeer(name string, r *lab.Router, myASN uint32, opts ...func(*farolv1.BGPPeerSpec)) *farolv1.BGPPeer {
	p := &farolv1.BGPPeer{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: farolv1.BGPPeerSpec{
		PeerAddress: r.Host.IPv4.String(), PeerASN: r.Options.ASN, MyASN: myASN,
		HoldTime: &metav1.Duration{Duration: quietHold}}}
	for _, o := range opts {
		o(&p.Spec)
	}
	return p
}

// sameAddrs tells whether a and b hold the same addresses, in any order.
func sameAddrs(a, b []netip.Addr) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.SortFunc(a, netip.Addr.Compare)
	slices.SortFunc(b, netip.Addr.Compare)
	return slices.Equal(a, b)
}
