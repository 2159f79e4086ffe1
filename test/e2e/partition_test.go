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
	took := w.waitSingleOwners(vips...).Sub(back)
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
// node in two rounds in a row (a double answer shows as two MACs), and
// returns when the first of those rounds began.
func (w *world) waitSingleOwners(vips ...netip.Addr) time.Time {
	w.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var streak time.Time
	clean := 0
	for {
		round := time.Now()
		got, err := w.arpAnswersMany(vips, 100*time.Millisecond)
		ok := err == nil
		for _, v := range vips {
			if len(got[v]) != 1 {
				ok = false
			}
		}
		switch {
		case ok && clean == 0:
			streak, clean = round, 1
		case ok:
			clean++
		default:
			clean = 0
		}
		if clean == 2 {
			return streak
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("no single owner per address within 15s: %v (%v)", got, err)
		}
	}
}
