package e2e

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/farol-lb/farol/test/internal/procstat"
)

// bgpBenchResults are every figure of one run of BenchmarkBGP.
type bgpBenchResults struct {
	bgpBenchOptions
	frr string
	// before and after: how busy the machine was.
	before, after string
	withdrawals   []withdrawal
	scale         scaleResult
}

// print writes the report: Markdown tables, as issue 10's closing note
// wants them.
func (r bgpBenchResults) print(out io.Writer) {
	fmt.Fprintf(out, "\n## make bench-bgp (FAROL_BGP_REPS=%d FAROL_BGP_SERVICES=%d FAROL_BGP_WORKERS=%d)\n\n", r.reps, r.services, r.workers)
	fmt.Fprintf(out, "3 nodes, %s with maximum-paths 8; sessions: hold 3 s, connect retry 1 s, BFD 100 ms × 3 where said; kube-proxy off.\n", r.frr)
	fmt.Fprintf(out, "Machine: %d CPUs; at the start %s; at the end %s.\n", runtime.NumCPU(), r.before, r.after)
	if len(r.withdrawals) > 0 {
		fmt.Fprintf(out, "\nWithdrawal: from the cut or SIGTERM until the node's next hop is gone from the router's kernel route (read every %s), %d repetitions over the 3 nodes.\n\n", ms(benchPoll), r.reps)
		fmt.Fprintf(out, "| | p50 | max | node back (link up, new speaker) → its next hop again, p50 / max |\n|---|---|---|---|\n")
		for _, wd := range r.withdrawals {
			fmt.Fprintf(out, "| %s | %s | %s | %s / %s |\n", wd.name, ms(p50(wd.took)), ms(slices.Max(wd.took)), ms(p50(wd.back)), ms(slices.Max(wd.back)))
		}
	}
	if s := r.scale; s.services > 0 {
		fmt.Fprintf(out, "\nScale: %d Services (one address each, a /18 pool) advertised by all 3 nodes (sessions without BFD); the router's table counted every %s (one read of the full table took up to %s).\n\n",
			s.services, ms(benchScalePoll), ms(s.worstDump))
		fmt.Fprintf(out, "| | |\n|---|---|\n")
		fmt.Fprintf(out, "| Services and EndpointSlices created (%d workers) | %s |\n", r.workers, ms(s.created))
		fmt.Fprintf(out, "| first create → last address written (seen on a watch) | %s |\n", ms(s.addressed))
		bound := ""
		if s.routedAtFirstRead {
			bound = "≤ " // the first read after the last create already found them all
		}
		fmt.Fprintf(out, "| **last address written → every route in the router's kernel table with 3 next hops** | **%s%s** |\n", bound, ms(s.routed))
		fmt.Fprintf(out, "| BGPAdvertisement deleted → every route gone | %s |\n", ms(s.withdrawn))
		fmt.Fprintf(out, "| BGPAdvertisement created again → every route back with 3 next hops | %s |\n", ms(s.readvertised))
		for i, node := range s.nodes {
			fmt.Fprintf(out, "| %s speaker RSS: with one Service → with %d (peak) | %s → %s (%s) |\n",
				node, s.services, mib(s.before[i].RSS), mib(s.after[i].RSS), mib(s.after[i].Peak))
		}
		fmt.Fprintf(out, "| sessions reset meanwhile | %d |\n", s.resets)
	}
	fmt.Fprintf(out, "\n")
}

// report adds the headline figures to the benchmark's result line.
func (r bgpBenchResults) report(b *testing.B) {
	for _, wd := range r.withdrawals {
		b.ReportMetric(float64(p50(wd.took).Milliseconds()), "ms-p50-"+wd.key)
	}
	if r.scale.services > 0 {
		b.ReportMetric(float64(r.scale.routed.Milliseconds()), "ms-routed")
		b.ReportMetric(float64(slices.MaxFunc(r.scale.after, func(a, b procstat.Memory) int { return int(a.RSS) - int(b.RSS) }).RSS>>20), "MiB-speaker-RSS")
	}
}

// p50 is the median as the other lab benchmarks take it (the upper one
// of an even count).
func p50(ds []time.Duration) time.Duration {
	s := slices.Sorted(slices.Values(ds))
	return s[len(s)/2]
}

func ms(d time.Duration) string {
	if d >= 10*time.Second {
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	if d >= time.Second {
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%d ms", d.Milliseconds())
}

func mib(b uint64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }
