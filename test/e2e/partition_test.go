package e2e

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// TestPartitionAndReturn: a node is cut off (link down, speaker stopped),
// the others take over; when it comes back, within a second exactly one
// node answers for every address and the client reaches it.
func TestPartitionAndReturn(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.pool()
	var vips []netip.Addr
	for i := range 6 {
		vips = append(vips, w.service(fmt.Sprintf("p%d", i), nil)[0])
	}
	victim := w.waitOwner(vips[0])
	n := w.node(victim)
	if err := n.LinkDown(); err != nil {
		t.Fatal(err)
	}
	w.speakers[victim].Pause()
	w.eventually("others take over", 10*time.Second, func() string {
		for _, v := range vips {
			if o := w.currentOwner(v); o == "" || o == victim {
				return v.String() + " owned by " + o
			}
		}
		return ""
	})
	if err := n.LinkUp(); err != nil {
		t.Fatal(err)
	}
	w.speakers[victim].Resume()
	back := time.Now()
	w.waitSingleOwners(vips...)
	took := time.Since(back)
	t.Logf("after the return: one owner per address within %s", took.Round(time.Millisecond))
	if took > time.Second+500*time.Millisecond {
		t.Errorf("convergence took %s, want about 1s", took)
	}
	for _, v := range vips {
		if _, err := w.lab.Curl(w.ctx, w.url(v)); err != nil {
			t.Errorf("curl %s: %v", v, err)
		}
	}
}

// waitSingleOwners waits until every address has exactly one answering
// node, twice in a row (a double answer would show as two MACs).
func (w *world) waitSingleOwners(vips ...netip.Addr) {
	w.t.Helper()
	w.eventually("one owner per address", 15*time.Second, func() string {
		for range 2 {
			for _, v := range vips {
				if o := w.currentOwner(v); o == "" {
					return v.String() + " has no single owner"
				}
			}
		}
		return ""
	})
}
