package l2

import (
	"errors"
	"net"
	"net/netip"
	"reflect"
	"runtime"
	"slices"
	"testing"
	"time"
)

// waitOwned polls Owned until it equals want.
func waitOwned(t *testing.T, a *Announcer, want map[netip.Addr][]string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got := a.Owned()
		if reflect.DeepEqual(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Owned = %v after %v, want %v", got, within, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// An interface vanishing, coming back and changing its MAC is noticed by
// the background resync, which runs in the node namespace although its
// goroutine started on a host thread.
func TestInterfaceChanges(t *testing.T) {
	l := newLab(t, 2)
	p0, p1 := pair(0), pair(1)
	o := labOptions()
	o.ResyncInterval = 100 * time.Millisecond
	a := l.announcer(t, o)
	want := map[netip.Addr][]string{vip4(0, 100): nil, vip6(0, 0x100): nil, vip4(1, 100): nil}
	l.mustSet(t, a, want)
	waitOwned(t, a, map[netip.Addr][]string{vip4(0, 100): {p0.node}, vip6(0, 0x100): {p0.node}, vip4(1, 100): {p1.node}}, time.Second)

	t.Run("vanishes", func(t *testing.T) {
		run(t, "ip", "-n", l.node, "link", "del", p0.node)
		waitOwned(t, a, map[netip.Addr][]string{vip4(1, 100): {p1.node}}, 3*time.Second)
		if macs, _ := l.arping(t, p1.client, vip4(1, 100), 2); !slices.Equal(macs, []string{p1.nodeMAC.String()}) {
			t.Fatalf("other interface stopped answering: %v", macs)
		}
	})
	t.Run("comes back", func(t *testing.T) {
		l.addPair(t, 0)
		waitOwned(t, a, map[netip.Addr][]string{vip4(0, 100): {p0.node}, vip6(0, 0x100): {p0.node}, vip4(1, 100): {p1.node}}, 3*time.Second)
		// The fresh client interface learns from the new burst.
		l.waitNeighbour(t, p0.client, vip4(0, 100), p0.nodeMAC, time.Second)
		if macs, _ := l.arping(t, p0.client, vip4(0, 100), 2); !slices.Equal(macs, []string{p0.nodeMAC.String()}) {
			t.Fatalf("arping after return: %v", macs)
		}
	})
	t.Run("changes its MAC", func(t *testing.T) {
		mac := net.HardwareAddr{0x02, 0xfa, 0, 0, 2, 0}
		run(t, "ip", "-n", l.node, "link", "set", p0.node, "address", mac.String())
		// The client's existing entry moves to the new MAC without asking.
		took := l.waitNeighbour(t, p0.client, vip4(0, 100), mac, 3*time.Second)
		t.Logf("client followed the MAC change after %v", took)
		if macs := l.ndisc6(t, p0.client, vip6(0, 0x100), 1000, false); !slices.Equal(macs, []string{mac.String()}) {
			t.Fatalf("ndisc6 after MAC change: %v", macs)
		}
	})
}

func TestCloseStopsEverything(t *testing.T) {
	l := newLab(t, 1)
	before := runtime.NumGoroutine()
	o := labOptions()
	o.ResyncInterval = 50 * time.Millisecond
	o.Logger = testLogger(t)
	var a *Announcer
	if err := in(l.nodeNS, func() error {
		a = New(o)
		return a.SetDesired(map[netip.Addr][]string{vip4(0, 100): nil, vip6(0, 0x100): nil})
	}); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := l.set(a, only(vip4(0, 100))); !errors.Is(err, ErrClosed) {
		t.Errorf("SetDesired after Close = %v, want ErrClosed", err)
	}
	if got := a.Owned(); len(got) != 0 {
		t.Errorf("Owned after Close = %v", got)
	}
	// Close has waited for its goroutines; the helper goroutines of `in`
	// may still be on their way out.
	deadline := time.Now().Add(time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines after Close, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
	if macs, _ := l.arping(t, pair(0).client, vip4(0, 100), 1); len(macs) != 0 {
		t.Errorf("answered after Close: %v", macs)
	}
}
