package lab

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestRouter runs the lab's router with FRR and with BIRD against GoBGP
// speakers on two nodes, the way Farol's speakers will peer with it: a
// dynamic eBGP range with BFD, IPv4 and IPv6 host routes over an IPv4
// session, ECMP, and the three ways a path goes (BFD, hold timer, TCP
// close).
func TestRouter(t *testing.T) { eachDaemon(t, testRouter) }

// eachDaemon runs test with FRR, then with BIRD, in one two-node lab.
func eachDaemon(t *testing.T, test func(*testing.T, *Lab, RouterDaemon)) {
	l := StartT(t, Options{Nodes: 2, NoKubeProxy: true})
	for _, d := range []RouterDaemon{FRR, BIRD} {
		t.Run(string(d), func(t *testing.T) { test(t, l, d) })
	}
}

func testRouter(t *testing.T, l *Lab, daemon RouterDaemon) {
	ctx := t.Context()
	r, err := l.StartRouter(ctx, RouterOptions{
		Daemon: daemon,
		Peers:  []RouterPeer{{Range: l.Subnet4, BFD: &BFDOptions{}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Stop(); err != nil {
			t.Error(err)
		}
	})
	vip4 := netip.MustParseAddr(strings.Split(l.VIPs4, "-")[0])
	vip6 := netip.MustParseAddr(strings.Split(l.VIPs6, "-")[0])
	hosts := []netip.Prefix{netip.PrefixFrom(vip4, 32), netip.PrefixFrom(vip6, 128)}
	n1, n2 := l.Nodes[0], l.Nodes[1]
	asn := r.Options.ASN

	// One node: the session comes up and its host routes land in the
	// router's kernel with the node as next hop, per family.
	begin := time.Now()
	p1 := startGoBGP(t, n1, gobgpPeer{ASN: 64601, Router: r.Host.IPv4, RouterASN: asn, Prefixes: hosts})
	waitGateways(t, r, hosts[0], 20*time.Second, n1.IPv4)
	t.Logf("%s: speaker start → route via %s in %s", daemon, n1.Name, since(begin))
	waitGateways(t, r, hosts[1], 5*time.Second, n1.IPv6)
	s := session(t, r, n1.IPv4)
	if !s.Established || s.ASN != 64601 || s.Received4 != 1 || s.Received6 != 1 {
		t.Errorf("session with %s = %+v, want Established, AS 64601, one prefix per family", n1.Name, s)
	}

	// A second node with BFD: one multipath route per family.
	startGoBGP(t, n2, gobgpPeer{ASN: 64602, Router: r.Host.IPv4, RouterASN: asn, Prefixes: hosts, BFD: true})
	waitGateways(t, r, hosts[0], 20*time.Second, n1.IPv4, n2.IPv4)
	waitGateways(t, r, hosts[1], 5*time.Second, n1.IPv6, n2.IPv6)
	waitBFD(t, r, n2.IPv4, true, 10*time.Second)

	// The client reaches the address through the router, and the router
	// spreads connections over both nodes.
	for _, n := range []*Node{n1, n2} {
		serveName(t, n, vip4)
	}
	if err := r.RouteClient(ctx, hosts...); err != nil {
		t.Fatal(err)
	}
	if seen := spread(t, l, "http://"+vip4.String()+"/", 40); len(seen) < 2 {
		t.Errorf("40 connections through the router reached only %v", seen)
	}
	// FRR counts uptime in whole seconds.
	time.Sleep(time.Second)
	if s := session(t, r, n1.IPv4); s.Uptime < time.Second {
		t.Errorf("session with %s = %+v, want an uptime of a second or more", n1.Name, s)
	}

	// Link cut on the BFD node: its path goes at BFD speed.
	d := cut(t, r, n2, hosts[0], n1.IPv4)
	t.Logf("%s: link cut with BFD 100 ms × 3 → path gone in %s", daemon, d)
	if d > time.Second {
		t.Errorf("link cut with BFD: path gone after %s, want under 1 s", d)
	}
	// Back again, BFD included (GoBGP v4.8.0 may flap after a BFD expiry:
	// gobgp#3561).
	waitGateways(t, r, hosts[0], 30*time.Second, n1.IPv4, n2.IPv4)
	waitBFD(t, r, n2.IPv4, true, 10*time.Second)

	// Link cut on the node without BFD: the hold timer (3 s) ends it.
	d = cut(t, r, n1, hosts[0], n2.IPv4)
	t.Logf("%s: link cut without BFD (hold 3 s) → path gone in %s", daemon, d)
	if d > 5*time.Second {
		t.Errorf("link cut without BFD: path gone after %s, want the hold time", d)
	}
	waitGateways(t, r, hosts[0], 30*time.Second, n1.IPv4, n2.IPv4)

	// Speaker killed, namespace alive: the kernel closes the TCP session.
	if err := p1.Kill(); err != nil {
		t.Fatal(err)
	}
	d = waitGateways(t, r, hosts[0], 5*time.Second, n2.IPv4)
	t.Logf("%s: speaker killed → path gone in %s", daemon, d)

	// Stop ends every process in the router namespace and takes the
	// daemon's routes out of the kernel with it, though a peer still
	// announces them.
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	if pids, err := netnsPIDs(r.Host.Netns); err != nil || len(pids) > 0 {
		t.Errorf("processes in the router namespace after Stop: %v %v", pids, err)
	}
	if _, err := os.Stat(r.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("router directory %s after Stop: %v", r.Dir, err)
	}
	for _, h := range hosts {
		waitGateways(t, r, h, time.Second)
	}
}

// waitGateways waits until the router's kernel routes for prefix have
// exactly the next hops want (none: no route), polling every 10 ms, and
// returns how long that took.
func waitGateways(t *testing.T, r *Router, prefix netip.Prefix, timeout time.Duration, want ...netip.Addr) time.Duration {
	t.Helper()
	slices.SortFunc(want, netip.Addr.Compare)
	begin := time.Now()
	var got []netip.Addr
	for {
		routes, err := r.Routes(t.Context(), prefix)
		if err != nil {
			t.Fatal(err)
		}
		got = Gateways(routes)
		slices.SortFunc(got, netip.Addr.Compare)
		if slices.Equal(got, want) {
			return time.Since(begin)
		}
		if time.Since(begin) > timeout {
			ss, _ := r.Sessions(context.Background())
			t.Fatalf("%s: route %s has next hops %v after %s, want %v; routes %+v; sessions %+v",
				r.Options.Daemon, prefix, got, timeout, want, routes, ss)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// session returns the router's session with peer.
func session(t *testing.T, r *Router, peer netip.Addr) Session {
	t.Helper()
	ss, err := r.Sessions(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ss {
		if s.Peer == peer {
			return s
		}
	}
	t.Fatalf("%s: no session with %s in %+v", r.Options.Daemon, peer, ss)
	return Session{}
}

// waitBFD waits until the router reports the BFD session with peer up (or
// not).
func waitBFD(t *testing.T, r *Router, peer netip.Addr, up bool, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		bs, err := r.BFDPeers(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bs {
			if b.Peer == peer && b.Up == up {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: BFD with %s not up=%v within %s: %+v", r.Options.Daemon, peer, up, timeout, bs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// cut pulls n's cable and returns how long the router keeps its path,
// until only the rest are left; then plugs it back in.
func cut(t *testing.T, r *Router, n *Node, prefix netip.Prefix, rest ...netip.Addr) time.Duration {
	t.Helper()
	if err := n.LinkDown(); err != nil {
		t.Fatal(err)
	}
	d := waitGateways(t, r, prefix, 10*time.Second, rest...)
	if err := n.LinkUp(); err != nil {
		t.Fatal(err)
	}
	if err := n.waitCarrier(t.Context()); err != nil {
		t.Fatal(err)
	}
	return d
}

// serveName puts vip on the node's pods link and answers HTTP on it with
// the node's name, so the client sees which node a connection reached.
func serveName(t *testing.T, n *Node, vip netip.Addr) {
	t.Helper()
	if err := n.ip(t.Context(), "addr", "replace", netip.PrefixFrom(vip, vip.BitLen()).String(), "dev", podsIface); err != nil {
		t.Fatal(err)
	}
	var ln net.Listener
	err := n.Do(func() error {
		var err error
		ln, err = net.Listen("tcp", netip.AddrPortFrom(vip, 80).String())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, n.Name) }),
		ReadHeaderTimeout: 5 * time.Second,
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
}

// spread makes count connections from the client and counts the answers.
func spread(t *testing.T, l *Lab, url string, count int) map[string]int {
	t.Helper()
	seen := map[string]int{}
	for range count {
		body, err := l.Curl(t.Context(), url)
		if err != nil {
			t.Fatal(err)
		}
		seen[body]++
	}
	t.Logf("%d connections to %s: %v", count, url, seen)
	return seen
}
