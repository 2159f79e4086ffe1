package main

import (
	"fmt"
	"github.com/farol-lb/farol/internal/memlimit"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// effect is what one scenario caused.
type effect struct {
	done       bool
	took       time.Duration // from the first write until the last work seen
	reconciles float64
	adds       float64 // requests added to the work queue (a request already waiting is not added again)
	cpu        float64 // process CPU seconds until quiet
	l2Calls    int     // responder Change calls
	l2Applied  int     // addresses passed to Change, summed over calls
	gained     int     // addresses this node took over
	lost       int     // addresses this node gave up
}

func (e *effect) setLayer2(before, after l2State) {
	e.l2Calls = after.calls - before.calls
	e.l2Applied = after.applied - before.applied
	e.gained, e.lost = before.diff(after)
}

// results are every figure of one run.
type results struct {
	config
	creation time.Duration

	ok         bool // settled
	settleErr  error
	settle     time.Duration
	settleCPU  float64
	settleWork work
	base       memory
	gogc       bool // the speaker's GOGC applied (not overridden by GOGC)
	settled    memory
	owned      int // addresses the fake responders answer for
	written    int // Services whose announcing annotation names this node

	idle, heartbeats, poolStatus effect
	leave                        effect
	leaveDone                    bool
	// With FAROL_BENCH_BGP: the fake announcer at settle, and what the
	// node leaving changed in it.
	bgpSettled, bgpLeave bgpState
}

func (r *results) print(w io.Writer) {
	fmt.Fprintf(w, "\n--- speaker bench: %d Nodes, %d Services (%d EndpointSlices) in %d namespaces; objects created in %s (not part of the figures)\n",
		r.nodes, r.services, r.services, r.namespaces, r.creation.Round(time.Second))
	if r.gogc {
		fmt.Fprintf(w, "gc:          GOGC=%d, as the speaker binary sets it\n", memlimit.SpeakerGCPercent)
	}
	if r.memoryLimit > 0 {
		fmt.Fprintf(w, "limit:       the speaker runs as under a %.0f MiB container memory limit (soft limit %.0f%% of it over the baseline)\n",
			mib(uint64(r.memoryLimit)), 100*memlimit.Fraction)
	}
	if r.ok {
		fmt.Fprintf(w, "settle:      %.1fs from speaker.Run until the last reconcile (every Service reconciled, then quiet 2 s); %.0f reconciles (controllers %s), %.0f enqueued, %.1f CPU s\n",
			r.settle.Seconds(), r.settleWork.reconciles, strings.Join(slices.Sorted(maps.Keys(r.settleWork.controllers)), ","), r.settleWork.adds, r.settleCPU)
		fmt.Fprintf(w, "             owns %d addresses (fake responders), %d Services annotated with this node\n", r.owned, r.written)
	} else {
		fmt.Fprintf(w, "settle:      FAILED after %.1fs: %v; %.0f reconciles, %.1f CPU s\n", r.settle.Seconds(), r.settleErr, r.settleWork.reconciles, r.settleCPU)
	}
	if r.ok {
		fmt.Fprintf(w, "memory:      RSS %.0f MiB over the baseline (%.0f MiB at settle, %.0f MiB before the speaker started), peak %.0f MiB over it; live heap after GC %.0f MiB over the baseline\n",
			deltaMiB(r.base.rss, r.settled.rss), mib(r.settled.rss), mib(r.base.rss), deltaMiB(r.base.rss, r.settled.peak), deltaMiB(r.base.heap, r.settled.heap))
	} else {
		// Sampled after the speaker gave up: its caches are garbage, but
		// the runtime has not returned their pages yet.
		fmt.Fprintf(w, "memory:      RSS %.0f MiB over the baseline when it gave up (%.0f MiB then, %.0f MiB before the speaker started), peak %.0f MiB over it\n",
			deltaMiB(r.base.rss, r.settled.rss), mib(r.settled.rss), mib(r.base.rss), deltaMiB(r.base.rss, r.settled.peak))
	}
	line := func(name string, e effect) {
		if !e.done {
			fmt.Fprintf(w, "%-12s not run\n", name+":")
			return
		}
		took := "no work seen"
		if e.reconciles > 0 || e.adds > 0 || e.l2Calls > 0 {
			took = fmt.Sprintf("last work %dms after the first write", e.took.Milliseconds())
		}
		fmt.Fprintf(w, "%-12s %.0f reconciles, %.0f enqueued, %.2f CPU s until quiet; %s; responders: %d calls, %d addresses passed, +%d -%d owned\n",
			name+":", e.reconciles, e.adds, e.cpu, took, e.l2Calls, e.l2Applied, e.gained, e.lost)
	}
	line("idle", r.idle)
	line("heartbeats", r.heartbeats)
	line("pool-status", r.poolStatus)
	if r.leaveDone {
		fmt.Fprintf(w, "node-leave:  %.1fms from the membership change until the last decision, %.0f reconciles, %.0f enqueued; responders: %d calls, +%d -%d owned\n",
			float64(r.leave.took.Microseconds())/1000, r.leave.reconciles, r.leave.adds, r.leave.l2Calls, r.leave.gained, r.leave.lost)
	} else {
		fmt.Fprintf(w, "node-leave:  not run\n")
	}
	if r.bgp {
		fmt.Fprintf(w, "bgp:         %d prefixes advertised at settle (%d announcer calls); node-leave: %d announcer calls, %d prefixes passed\n",
			r.bgpSettled.routes, r.bgpSettled.calls, r.bgpLeave.calls, r.bgpLeave.changed)
	}
	fmt.Fprintf(w, "BENCH nodes=%d services=%d", r.nodes, r.services)
	if r.bgp {
		fmt.Fprintf(w, " bgp=1")
	}
	if r.ok {
		fmt.Fprintf(w, " settle=%.1fs rss=%.0fMiB peak=%.0fMiB heap=%.0fMiB", r.settle.Seconds(),
			deltaMiB(r.base.rss, r.settled.rss), deltaMiB(r.base.rss, r.settled.peak), deltaMiB(r.base.heap, r.settled.heap))
	} else {
		fmt.Fprintf(w, " settle=FAILED(%.0fs) rss=%.0fMiB peak=%.0fMiB", r.settle.Seconds(),
			deltaMiB(r.base.rss, r.settled.rss), deltaMiB(r.base.rss, r.settled.peak))
	}
	if r.heartbeats.done {
		fmt.Fprintf(w, " heartbeats: reconciles=%.0f cpu=%.2fs", r.heartbeats.reconciles, r.heartbeats.cpu)
	}
	if r.poolStatus.done {
		fmt.Fprintf(w, " pool-status: reconciles=%.0f cpu=%.2fs", r.poolStatus.reconciles, r.poolStatus.cpu)
	}
	if r.leaveDone {
		fmt.Fprintf(w, " node-leave: %.1fms reconciles=%.0f", float64(r.leave.took.Microseconds())/1000, r.leave.reconciles)
	}
	fmt.Fprintf(w, "\n")
}
