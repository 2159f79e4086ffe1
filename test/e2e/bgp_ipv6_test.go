package e2e

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/test/gen"
	"github.com/farol-lb/farol/test/lab"
)

// TestBGPDualStackBIRD: against BIRD, an eBGP session over IPv4 and an
// iBGP session over IPv6 from every node; a dual-stack Service's two
// addresses reach the router's IPv4 and IPv6 tables with each node's
// address of that family as next hop, and the client reaches both through
// the router. With the IPv4 session gone, the IPv6 (iBGP) session alone
// still carries both families (MP-BGP).
func TestBGPDualStackBIRD(t *testing.T) {
	w := newWorld(t, worldOptions{})
	r, err := w.lab.StartRouter(w.ctx, lab.RouterOptions{Daemon: lab.BIRD, Peers: []lab.RouterPeer{
		{Range: w.lab.Subnet4},               // any external AS
		{Range: w.lab.Subnet6, ASN: 64512}}}) // the router's own: iBGP
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Stop() })
	routed4, routed6 := netip.MustParsePrefix("10.79.3.0/28"), netip.MustParsePrefix("fd00:79:3::/124")
	if err := r.RouteClient(w.ctx, routed4, routed6); err != nil {
		t.Fatal(err)
	}
	ebgp := &farolv1.BGPPeer{ObjectMeta: metav1.ObjectMeta{Name: "bird-v4"}, Spec: farolv1.BGPPeerSpec{
		PeerAddress: r.Host.IPv4.String(), PeerASN: r.Options.ASN, MyASN: 64601, HoldTime: dur(lossHold)}}
	ibgp := &farolv1.BGPPeer{ObjectMeta: metav1.ObjectMeta{Name: "bird-v6"}, Spec: farolv1.BGPPeerSpec{
		PeerAddress: r.Host.IPv6.String(), PeerASN: r.Options.ASN, MyASN: r.Options.ASN, HoldTime: dur(lossHold)}}
	w.create(
		gen.Pool("dual", []string{routed4.String(), routed6.String()}), ebgp, ibgp,
		&farolv1.BGPAdvertisement{ObjectMeta: metav1.ObjectMeta{Name: "dual"}, Spec: farolv1.BGPAdvertisementSpec{Pools: []string{"dual"}}},
	)
	addrs := w.service("dual", []gen.ServiceOption{gen.WithPool("dual"), gen.DualStack(corev1.IPFamilyPolicyRequireDualStack)})
	if len(addrs) != 2 || !addrs[0].Is4() || !addrs[1].Is6() {
		t.Fatalf("addresses %v, want one IPv4 and one IPv6", addrs)
	}
	v4, v6 := addrs[0], addrs[1]
	var nodes4, nodes6 []netip.Addr
	for _, n := range w.lab.Nodes {
		nodes4, nodes6 = append(nodes4, n.IPv4), append(nodes6, n.IPv6)
	}
	w.eventually("six sessions established at the router", 30*time.Second, func() string {
		ss, err := r.Sessions(w.ctx)
		if err != nil {
			return err.Error()
		}
		up4, up6 := 0, 0
		for _, s := range ss {
			switch {
			case !s.Established:
			case s.Peer.Is4():
				up4++
			default:
				up6++
			}
		}
		if up4 != len(nodes4) || up6 != len(nodes6) {
			return fmt.Sprintf("%d IPv4 and %d IPv6 sessions up: %+v", up4, up6, ss)
		}
		return ""
	})
	check := func(when string) {
		t.Helper()
		w.eventually(when+": a route to "+v4.String()+" through every node's IPv4 address", 30*time.Second,
			gateways(w, r, netip.PrefixFrom(v4, 32), nodes4...))
		w.eventually(when+": a route to "+v6.String()+" through every node's IPv6 address", 30*time.Second,
			gateways(w, r, netip.PrefixFrom(v6, 128), nodes6...))
		t.Logf("%s: %s and %s", when, w.waitCurl(v4), w.waitCurl(v6))
	}
	check("both sessions")

	if err := w.c.Delete(w.ctx, ebgp); err != nil {
		t.Fatal(err)
	}
	w.eventually("the IPv4 sessions gone", 20*time.Second, func() string {
		ss, err := r.Sessions(w.ctx)
		if err != nil {
			return err.Error()
		}
		for _, s := range ss {
			if s.Peer.Is4() && s.Established {
				return fmt.Sprintf("still up: %+v", s)
			}
		}
		return ""
	})
	check("the IPv6 iBGP session alone")

	// One pool in both modes: the router has a route through every node
	// and, on the segment, exactly one node answers ARP for the address.
	w.create(
		gen.Pool("both", []string{"10.77.0.240-10.77.0.243"}),
		&farolv1.L2Advertisement{ObjectMeta: metav1.ObjectMeta{Name: "both"}, Spec: farolv1.L2AdvertisementSpec{Pools: []string{"both"}}},
		&farolv1.BGPAdvertisement{ObjectMeta: metav1.ObjectMeta{Name: "both"}, Spec: farolv1.BGPAdvertisementSpec{Pools: []string{"both"}}},
	)
	both := w.service("both", []gen.ServiceOption{gen.WithPool("both")})[0]
	w.eventually("a route to "+both.String()+" through every node", 30*time.Second, gateways(w, r, netip.PrefixFrom(both, 32), nodes4...))
	w.eventually("one node answering ARP for "+both.String(), 20*time.Second, func() string {
		if got := w.arping(both); len(got) != 1 {
			return fmt.Sprintf("ARP answered by %v", got)
		}
		return ""
	})
	t.Logf("L2 and BGP on one pool: %s", w.waitCurl(both))
}
