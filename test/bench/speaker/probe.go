package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/farol-lb/farol/test/internal/procstat"
)

// work is what the speaker has done so far, from controller-runtime's
// global metrics registry (the speaker's own registry has no reconcile
// counts). It sums over every controller in the process: the speaker's
// ("speaker" today) are the only ones here.
type work struct {
	reconciles  float64 // controller_runtime_reconcile_total, every result
	adds        float64 // workqueue_adds_total: requests queued
	depth       float64 // workqueue_depth: requests waiting
	controllers map[string]bool
}

func readWork(g prometheus.Gatherer) (work, error) {
	fams, err := g.Gather()
	if err != nil {
		return work{}, err
	}
	w := work{controllers: map[string]bool{}}
	for _, f := range fams {
		var into *float64
		switch f.GetName() {
		case "controller_runtime_reconcile_total":
			into = &w.reconciles
		case "workqueue_adds_total":
			into = &w.adds
		case "workqueue_depth":
			into = &w.depth
		default:
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "controller" && l.GetValue() != "" {
					w.controllers[l.GetValue()] = true
				}
			}
			if c := m.GetCounter(); c != nil {
				*into += c.GetValue()
			}
			if g := m.GetGauge(); g != nil {
				*into += g.GetValue()
			}
		}
	}
	return w, nil
}

// quiet is the result of waiting for the speaker to stop working.
type quiet struct {
	last time.Time // the last moment work was seen: a reconcile, a queued request, a responder change
	work work
}

// waitOptions say how to wait for quiet.
type waitOptions struct {
	every   time.Duration // polling interval: the resolution of quiet.last
	quiet   time.Duration // no work for this long means done
	timeout time.Duration
	// minReconciles must have been reached (the counter's absolute value).
	minReconciles float64
	// exited reports the speaker's end; it must not end while we wait.
	exited *exit
}

// exit is the speaker's end: done closes when speaker.Run returned err.
type exit struct {
	done chan struct{}
	err  error
}

var errTimeout = errors.New("timed out")

// waitQuiet polls the speaker's counters until there was no reconcile, no
// queued request and no call to the responders for o.quiet, and the
// reconcile count reached o.minReconciles.
func waitQuiet(ctx context.Context, l2 *layer2, o waitOptions) (quiet, error) {
	start := time.Now()
	prev, err := readWork(ctrlmetrics.Registry)
	if err != nil {
		return quiet{}, err
	}
	last := start
	t := time.NewTicker(o.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return quiet{last, prev}, ctx.Err()
		case <-o.exited.done:
			return quiet{last, prev}, fmt.Errorf("speaker exited: %w", o.exited.err)
		case <-t.C:
		}
		now := time.Now()
		w, err := readWork(ctrlmetrics.Registry)
		if err != nil {
			return quiet{last, prev}, err
		}
		if w.reconciles != prev.reconciles || w.adds != prev.adds || w.depth > 0 {
			last = now
		}
		if c := l2.state().lastCall; c.After(last) {
			last = c
		}
		prev = w
		if w.reconciles >= o.minReconciles && now.Sub(last) >= o.quiet {
			return quiet{last, w}, nil
		}
		if now.Sub(start) > o.timeout {
			return quiet{last, w}, fmt.Errorf("%w after %s (reconciles %.0f, queue %.0f)", errTimeout, o.timeout, w.reconciles, w.depth)
		}
	}
}

// cpuSeconds is the process's user and system CPU time so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// memory is the process's memory at one moment.
type memory struct {
	rss, peak uint64 // VmRSS, VmHWM (bytes)
	heap      uint64 // live heap after a GC (HeapAlloc)
}

// sampleMemory reads RSS first (as it is, not after a GC), then collects
// and reads the live heap.
func sampleMemory() memory {
	var m memory
	if pm, err := procstat.Read(procstat.Self); err == nil {
		m.rss, m.peak = pm.RSS, pm.Peak
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m.heap = ms.HeapAlloc
	return m
}

// baseline returns memory to the OS first, so that what the speaker takes
// afterwards shows in RSS instead of reusing pages the object creation
// left behind, and restarts the peak RSS count.
func baseline() memory {
	runtime.GC()
	debug.FreeOSMemory()
	// "5" resets VmHWM to the current RSS (proc(5)).
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	return sampleMemory()
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// deltaMiB is later-earlier in MiB, negative when memory shrank.
func deltaMiB(earlier, later uint64) float64 { return (float64(later) - float64(earlier)) / (1 << 20) }

// writeHeapProfile writes the live heap once settled to path (none when
// empty), for `go tool pprof` to show what the speaker holds.
func writeHeapProfile(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("heap profile: %w", err)
	}
	defer f.Close()
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		return fmt.Errorf("heap profile: %w", err)
	}
	return nil
}
