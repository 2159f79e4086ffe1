package e2e

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"
)

// TestFailover measures hard failure of the owner: its link is cut, and the
// time until the client's next request succeeds through a new owner is
// recorded. FAROL_FAILOVER_REPS sets the repetitions (make bench-l2 uses
// 10, with 3 and 5 nodes); the figures are reported, and the test fails
// only if traffic does not come back within 5 s.
func TestFailover(t *testing.T) {
	reps := 2
	if v := os.Getenv("FAROL_FAILOVER_REPS"); v != "" {
		reps, _ = strconv.Atoi(v)
	}
	sizes := []int{3}
	if os.Getenv("FAROL_FAILOVER_REPS") != "" {
		sizes = []int{3, 5}
	}
	for _, n := range sizes {
		t.Run(fmt.Sprintf("%d nodes", n), func(t *testing.T) {
			w := newWorld(t, worldOptions{nodes: n})
			w.pool()
			vip := w.service("web", nil)[0]
			var gaps []time.Duration
			for i := range reps {
				owner := w.waitOwner(vip)
				p := w.startProbe(vip, 10*time.Millisecond, 300*time.Millisecond)
				time.Sleep(500 * time.Millisecond)
				cut := time.Now()
				if err := w.node(owner).LinkDown(); err != nil {
					t.Fatal(err)
				}
				w.eventually("traffic back after cutting "+owner, 5*time.Second, func() string {
					if d, ok := p.recoveredAfter(cut); !ok || !p.failedAfter(cut) && d < 0 {
						return "no successful request since the cut"
					}
					return ""
				})
				time.Sleep(200 * time.Millisecond)
				d, _ := p.recoveredAfter(cut)
				p.stop()
				gaps = append(gaps, d)
				t.Logf("rep %d: cut %s, traffic back after %s", i+1, owner, d.Round(time.Millisecond))
				if err := w.node(owner).LinkUp(); err != nil {
					t.Fatal(err)
				}
				w.waitSingleOwners(vip)
			}
			slices.Sort(gaps)
			t.Logf("FAILOVER %d nodes, %d reps: p50 %s, max %s", n, reps,
				gaps[len(gaps)/2].Round(time.Millisecond), gaps[len(gaps)-1].Round(time.Millisecond))
		})
	}
}
