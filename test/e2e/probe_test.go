package e2e

import (
	"context"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"time"
)

// probe sends an HTTP request to an address every interval, each on a new
// connection and each in its own goroutine, so one slow request never
// delays the next and the first success after an outage is seen to within
// one interval.
type probe struct {
	w       *world
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	mu      sync.Mutex
	results []probeResult
}

type probeResult struct {
	start time.Time
	ok    bool
	err   error
}

type probeSummary struct {
	total, failed int
	gaps          []time.Duration // lengths of runs of failures
}

func (w *world) startProbe(vip netip.Addr, interval, timeout time.Duration) *probe {
	ctx, cancel := context.WithCancel(w.ctx)
	p := &probe{w: w, cancel: cancel}
	p.wg.Go(func() {
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			p.wg.Go(func() {
				start := time.Now()
				rctx, rcancel := context.WithTimeout(ctx, timeout)
				_, err := w.lab.Curl(rctx, w.url(vip))
				rcancel()
				if ctx.Err() != nil {
					return
				}
				p.mu.Lock()
				p.results = append(p.results, probeResult{start: start, ok: err == nil, err: err})
				p.mu.Unlock()
			})
		}
	})
	return p
}

func (p *probe) stop() probeSummary {
	p.cancel()
	p.wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	sort.Slice(p.results, func(i, j int) bool { return p.results[i].start.Before(p.results[j].start) })
	var s probeSummary
	var gapStart time.Time
	for _, r := range p.results {
		s.total++
		switch {
		case !r.ok:
			s.failed++
			if gapStart.IsZero() {
				gapStart = r.start
			}
		case !gapStart.IsZero():
			s.gaps = append(s.gaps, r.start.Sub(gapStart))
			gapStart = time.Time{}
		}
	}
	return s
}

// recoveredAfter returns how long after t the first request that succeeded
// was sent, among requests sent after t.
func (p *probe) recoveredAfter(t time.Time) (time.Duration, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	best := time.Duration(-1)
	for _, r := range p.results {
		if r.ok && r.start.After(t) {
			if d := r.start.Sub(t); best < 0 || d < best {
				best = d
			}
		}
	}
	return best, best >= 0
}

// failedAfter reports whether any request sent after t failed (a cut that
// did not interrupt traffic measures nothing).
func (p *probe) failedAfter(t time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range p.results {
		if !r.ok && r.start.After(t) {
			return true
		}
	}
	return false
}

// around lists the results sent from 100 ms before t to 600 ms after, for
// a failure message.
func (p *probe) around(t time.Time) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	for _, r := range p.results {
		if d := r.start.Sub(t); d > -100*time.Millisecond && d < 600*time.Millisecond {
			fmt.Fprintf(&b, "%+dms:%v ", d.Milliseconds(), r.ok)
		}
	}
	return b.String()
}

// failuresAround lists when the failed requests were sent, relative to t.
func (p *probe) failuresAround(t time.Time) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	for _, r := range p.results {
		if !r.ok {
			fmt.Fprintf(&b, "%+dms (%v) ", r.start.Sub(t).Milliseconds(), r.err)
		}
	}
	return b.String()
}
