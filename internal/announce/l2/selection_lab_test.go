package l2

import (
	"errors"
	"net/netip"
	"reflect"
	"slices"
	"testing"
)

func TestInterfaceSelection(t *testing.T) {
	l := newLab(t, 2)
	p0, p1 := pair(0), pair(1)
	noSubnet := labOptions()
	noSubnet.RequireSubnet = false

	// answeredOn checks which client sides get an ARP answer for vip.
	answeredOn := func(t *testing.T, vip netip.Addr, want map[string]labPair) {
		t.Helper()
		for _, p := range []labPair{p0, p1} {
			macs, _ := l.arping(t, p.client, vip, 1)
			if _, ok := want[p.client]; ok {
				if !slices.Equal(macs, []string{p.nodeMAC.String()}) {
					t.Errorf("arping %s on %s: %v, want [%s]", vip, p.client, macs, p.nodeMAC)
				}
			} else if len(macs) != 0 {
				t.Errorf("arping %s on %s: %v, want no answer", vip, p.client, macs)
			}
		}
	}
	checkOwned := func(t *testing.T, a *Announcer, want map[netip.Addr][]string) {
		t.Helper()
		if got := a.Owned(); !reflect.DeepEqual(got, want) {
			t.Errorf("Owned = %v, want %v", got, want)
		}
	}

	t.Run("restricted to one interface", func(t *testing.T) {
		a := l.announcer(t, noSubnet)
		vip, vip6 := netip.MustParseAddr("10.99.0.1"), netip.MustParseAddr("fd00:99::1")
		l.mustSet(t, a, map[netip.Addr][]string{vip: {p1.node}, vip6: {p0.node}})
		checkOwned(t, a, map[netip.Addr][]string{vip: {p1.node}, vip6: {p0.node}})
		answeredOn(t, vip, map[string]labPair{p1.client: p1})
		if macs := l.ndisc6(t, p0.client, vip6, 1000, false); !slices.Equal(macs, []string{p0.nodeMAC.String()}) {
			t.Errorf("ndisc6 %s on %s: %v, want [%s]", vip6, p0.client, macs, p0.nodeMAC)
		}
		if macs := l.ndisc6(t, p1.client, vip6, 500, false); len(macs) != 0 {
			t.Errorf("ndisc6 %s on %s: %v, want no answer", vip6, p1.client, macs)
		}
	})
	t.Run("unrestricted goes to every suitable interface", func(t *testing.T) {
		a := l.announcer(t, noSubnet)
		vip := netip.MustParseAddr("10.99.0.2")
		l.mustSet(t, a, only(vip))
		checkOwned(t, a, map[netip.Addr][]string{vip: {p0.node, p1.node}}) // not lo
		answeredOn(t, vip, map[string]labPair{p0.client: p0, p1.client: p1})
	})
	t.Run("RequireSubnet picks the interface by subnet", func(t *testing.T) {
		a := l.announcer(t, labOptions())
		vip := vip4(1, 100)
		l.mustSet(t, a, only(vip))
		checkOwned(t, a, map[netip.Addr][]string{vip: {p1.node}})
		answeredOn(t, vip, map[string]labPair{p1.client: p1})
	})
	t.Run("RequireSubnet refuses an address outside the interface's subnet", func(t *testing.T) {
		a := l.announcer(t, labOptions())
		vip := vip4(1, 100)
		err := l.set(a, only(vip, p0.node))
		if !errors.Is(err, ErrNoInterface) {
			t.Fatalf("SetDesired = %v, want ErrNoInterface", err)
		}
		t.Logf("SetDesired said: %v", err)
		checkOwned(t, a, map[netip.Addr][]string{})
		answeredOn(t, vip, nil)
	})
}
