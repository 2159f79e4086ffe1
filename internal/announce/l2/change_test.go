package l2

import (
	"net/netip"
	"strings"
	"testing"
)

// TestChange: Change touches only the addresses it names, and its error
// names only those of them that cannot be answered.
func TestChange(t *testing.T) {
	l := newLab(t, 1)
	a := l.announcer(t, answerOnly())
	x, y := vip4(0, 170), vip6(0, 0x171)
	outside := netip.MustParseAddr("192.0.2.9") // in no subnet of the node
	change := func(set map[netip.Addr][]string, unset ...netip.Addr) error {
		return in(l.nodeNS, func() error { return a.Change(set, unset) })
	}
	if err := change(map[netip.Addr][]string{x: nil}); err != nil {
		t.Fatal(err)
	}
	if err := change(map[netip.Addr][]string{y: {"a0"}}); err != nil {
		t.Fatal(err)
	}
	if got := a.Answered(x, y); len(got) != 2 || got[y][0] != "a0" {
		t.Fatalf("after adding x and then y: answered %v, want both", got)
	}
	err := change(map[netip.Addr][]string{outside: nil})
	if err == nil || !strings.Contains(err.Error(), outside.String()) || strings.Contains(err.Error(), x.String()) {
		t.Fatalf("adding an address outside every subnet: error %v, want one naming %s only", err, outside)
	}
	if err := change(nil, x); err != nil {
		t.Fatal(err)
	}
	got := a.Answered(x, y)
	if _, ok := got[x]; ok || len(got[y]) != 1 {
		t.Fatalf("after removing x: answered %v, want y alone", got)
	}
	if macs, _ := l.arping(t, pair(0).client, x, 1); len(macs) != 0 {
		t.Fatalf("x still answered by %v after it was removed", macs)
	}
	if macs := l.ndisc6(t, pair(0).client, y, 1000, false); len(macs) != 1 {
		t.Fatalf("y answered by %v, want the node", macs)
	}
}
