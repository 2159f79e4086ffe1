package lab

import (
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/farol-lb/farol/internal/bfd"
)

// TestFarolBFD: Farol's own BFD (internal/bfd) against the real routers'
// BFD, FRR's bfdd and BIRD. The session comes up on both sides and stays
// up, without one flap, for 20 s; with the node's link cut, the router
// withdraws the node's route within a second (its BFD saw our packets
// stop), and our side goes Down for an expired detection time; with the
// link back, both come Up again.
func TestFarolBFD(t *testing.T) { eachDaemon(t, testFarolBFD) }

func testFarolBFD(t *testing.T, l *Lab, daemon RouterDaemon) {
	n := l.Nodes[0]
	r, err := l.StartRouter(t.Context(), RouterOptions{Daemon: daemon,
		Peers: []RouterPeer{{Address: n.IPv4, ASN: 64601, BFD: &BFDOptions{}}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Stop() })
	vip := netip.PrefixFrom(netip.MustParseAddr(strings.Split(l.VIPs4, "-")[0]), 32)
	// BGP from the GoBGP library without its BFD: the router ties the
	// route to the BFD session Farol runs.
	startGoBGP(t, n, gobgpPeer{ASN: 64601, Router: r.Host.IPv4, RouterASN: r.Options.ASN, Prefixes: []netip.Prefix{vip}})

	run, err := bfd.Start(t.Context(), bfd.Options{Listen: func(network, address string) (c net.PacketConn, err error) {
		err = n.Do(func() error {
			c, err = net.ListenPacket(network, address)
			return err
		})
		return c, err
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Set([]bfd.Peer{{Local: n.IPv4, Remote: r.Host.IPv4,
		DesiredMinTx: 100 * time.Millisecond, RequiredMinRx: 100 * time.Millisecond, DetectMult: 3}}); err != nil {
		t.Fatal(err)
	}
	waitGateways(t, r, vip, 20*time.Second, n.IPv4)
	waitBFD(t, r, n.IPv4, true, 10*time.Second)
	waitState(t, run, r.Host.IPv4, bfd.Up, 5*time.Second)

	// 20 s without a flap on our side (the router's Up state was checked).
	drain(run)
	time.Sleep(20 * time.Second)
	if evs := drain(run); len(evs) > 0 {
		t.Fatalf("%s: state changes while nothing happened: %+v", daemon, evs)
	}
	waitBFD(t, r, n.IPv4, true, time.Second)

	begin := time.Now()
	if err := n.LinkDown(); err != nil {
		t.Fatal(err)
	}
	gone := waitGateways(t, r, vip, 5*time.Second)
	down := waitState(t, run, r.Host.IPv4, bfd.Down, 5*time.Second)
	t.Logf("%s: link cut → route gone at the router in %s; our session Down %s later", daemon, gone, down)
	if gone > time.Second {
		t.Errorf("%s: the router kept the route %s after the cut; BFD at 100 ms x 3 should take about 0.3 s", daemon, gone)
	}
	if err := n.LinkUp(); err != nil {
		t.Fatal(err)
	}
	if err := n.waitCarrier(t.Context()); err != nil {
		t.Fatal(err)
	}
	waitState(t, run, r.Host.IPv4, bfd.Up, 15*time.Second)
	waitBFD(t, r, n.IPv4, true, 15*time.Second)
	t.Logf("%s: both Up again %s after the cut", daemon, since(begin))
}

// waitState waits for the runner's session to reach st and returns how
// long it took.
func waitState(t *testing.T, run *bfd.Runner, peer netip.Addr, st bfd.State, timeout time.Duration) time.Duration {
	t.Helper()
	begin := time.Now()
	for {
		if got, ok := run.State(peer); ok && got == st {
			return time.Since(begin)
		}
		if time.Since(begin) > timeout {
			got, _ := run.State(peer)
			t.Fatalf("BFD session with %s is %s, not %s, after %s", peer, got, st, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func drain(run *bfd.Runner) []bfd.Event {
	var out []bfd.Event
	for {
		select {
		case e := <-run.Events():
			out = append(out, e)
		default:
			return out
		}
	}
}
