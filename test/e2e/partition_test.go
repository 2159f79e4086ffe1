package e2e

import (
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestPartitionAndReturn: a node is cut off (link down, speaker frozen),
// the others take over; when it comes back, exactly one node answers for
// every address within a second, and the client reaches it.
// FAROL_FAILOVER_REPS repeats it (make bench-l2 uses 10) and reports p50
// and max of the time during which some address had two or no answers.
func TestPartitionAndReturn(t *testing.T) {
	reps := 1
	if v := os.Getenv("FAROL_FAILOVER_REPS"); v != "" {
		reps, _ = strconv.Atoi(v)
	}
	w := newWorld(t, worldOptions{})
	w.pool()
	var vips []netip.Addr
	for i := range 6 {
		vips = append(vips, w.service(fmt.Sprintf("p%d", i), nil)[0])
	}
	var took []time.Duration
	for rep := range reps {
		victim := w.waitOwner(vips[rep%len(vips)])
		n := w.node(victim)
		if err := n.LinkDown(); err != nil {
			t.Fatal(err)
		}
		if err := w.speakers[victim].Pause(); err != nil {
			t.Fatal(err)
		}
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
		if err := w.speakers[victim].Resume(); err != nil {
			t.Fatal(err)
		}
		back := time.Now()
		d := w.waitSingleOwners(vips...).Sub(back)
		took = append(took, d)
		t.Logf("rep %d: %s back; one owner per address after %s", rep+1, victim, d.Round(time.Millisecond))
		if d > 500*time.Millisecond && os.Getenv("FAROL_DEBUG_RETURN") != "" {
			for name, p := range w.speakers {
				b, _ := os.ReadFile(p.LogPath())
				var keep []string
				for _, l := range strings.Split(string(b), "\n") {
					if !strings.Contains(l, `"level":"DEBUG`) && strings.Contains(l, "T") {
						keep = append(keep, l)
					}
				}
				t.Logf("%s:\n%s", name, strings.Join(keep[max(0, len(keep)-25):], "\n"))
			}
			t.Logf("back at %s", back.Format("15:04:05.000"))
		}
		if d > time.Second {
			t.Errorf("rep %d: convergence took %s, want at most 1s", rep+1, d.Round(time.Millisecond))
		}
		for _, v := range vips {
			if _, err := w.lab.Curl(w.ctx, w.url(v)); err != nil {
				t.Errorf("curl %s: %v", v, err)
			}
		}
	}
	slices.Sort(took)
	t.Logf("RETURN %d reps: p50 %s, max %s", reps, took[len(took)/2].Round(time.Millisecond), took[len(took)-1].Round(time.Millisecond))
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
