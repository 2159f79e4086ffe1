package e2e

import (
	"fmt"
	"net/netip"
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
				owner, p := w.probeThroughOwner(vip, 10*time.Millisecond)
				// The clock starts once the link is down: requests sent
				// while `ip link` runs may still get through.
				if err := w.node(owner).LinkDown(); err != nil {
					t.Fatal(err)
				}
				cut := time.Now()
				w.eventually("traffic back after cutting "+owner, 5*time.Second, func() string {
					if _, ok := p.recoveredAfter(cut); !ok {
						return "no successful request since the cut"
					}
					return ""
				})
				time.Sleep(200 * time.Millisecond)
				d, _ := p.recoveredAfter(cut)
				interrupted := p.failedAfter(cut)
				p.stop()
				if !interrupted {
					t.Fatalf("rep %d: cutting %s did not interrupt the client's traffic, so it was not going through the owner; around the cut: %s", i+1, owner, p.around(cut))
				}
				gaps = append(gaps, d)
				t.Logf("rep %d: cut %s, traffic back after %s", i+1, owner, d.Round(time.Millisecond))
				if err := w.node(owner).LinkUp(); err != nil {
					t.Fatal(err)
				}
				// The cut node's speaker ran on alone and claimed every
				// address; give the membership time to merge before the
				// next repetition (TestPartitionAndReturn measures this).
				time.Sleep(2 * time.Second)
				w.waitSingleOwners(vip)
			}
			slices.Sort(gaps)
			t.Logf("FAILOVER %d nodes, %d reps: p50 %s, max %s", n, reps,
				gaps[len(gaps)/2].Round(time.Millisecond), gaps[len(gaps)-1].Round(time.Millisecond))
		})
	}
}

// probeThroughOwner starts a probe once the client's traffic for vip goes
// to the node that owns it: after a node comes back, the client's
// neighbour entry may still point at the node that stood in, and cutting
// the owner would then measure nothing.
func (w *world) probeThroughOwner(vip netip.Addr, interval time.Duration) (string, *probe) {
	w.t.Helper()
	for range 20 {
		owner := w.waitOwner(vip)
		if out, err := w.lab.Client.Command(w.ctx, "ip", "neigh", "flush", "to", vip.String()).CombinedOutput(); err != nil {
			w.t.Fatalf("flush the client's neighbour entry: %v: %s", err, out)
		}
		p := w.startProbe(vip, interval, 300*time.Millisecond)
		time.Sleep(500 * time.Millisecond)
		out, _ := w.lab.Client.Command(w.ctx, "ip", "neigh", "show", vip.String()).CombinedOutput()
		if macs := macsIn(string(out)); len(macs) == 1 && w.macOf(macs[0]) == owner {
			return owner, p
		}
		p.stop()
		time.Sleep(500 * time.Millisecond)
	}
	w.t.Fatalf("the client's traffic for %s never settled on its owner", vip)
	return "", nil
}
