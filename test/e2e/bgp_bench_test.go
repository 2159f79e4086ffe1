package e2e

import (
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/test/gen"
	"github.com/farol-lb/farol/test/lab"
)

// BenchmarkBGP is `make bench-bgp` (issue 10's benchmark), reported, not
// asserted: in a lab of 3 nodes and an FRR router with maximum-paths,
//
//   - withdrawal: the time from a node's link cut (without BFD, hold 3 s;
//     with BFD 100 ms × 3) or its speaker's SIGTERM to its next hop gone
//     from the router's kernel route for a Service address, p50 and max
//     over FAROL_BGP_REPS repetitions (default 10);
//   - scale: FAROL_BGP_SERVICES Services (default 10,000) advertised by
//     every node: the time from the last address written to every route
//     in the router's kernel table with 3 next hops, each speaker's RSS,
//     and the time to withdraw them all.
//
// A benchmark rather than a test so that `go test` without -bench (make
// test) never runs it; it runs once (-benchtime 1x) and prints a table.
// 0 for either variable leaves that part out. FAROL_BGP_LAB_DIR keeps the
// lab's logs (speakers, FRR) in that directory.
func BenchmarkBGP(b *testing.B) {
	o := bgpBenchOptions{services: envInt(b, "FAROL_BGP_SERVICES", 10000), reps: envInt(b, "FAROL_BGP_REPS", 10),
		workers: envInt(b, "FAROL_BGP_WORKERS", 16)}
	bb := &bgpBench{w: newWorld(b, worldOptions{noKubeProxy: true, labDir: os.Getenv("FAROL_BGP_LAB_DIR")}), o: o}
	defer bb.stopRouter()
	frr, err := lab.FRRVersion(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	res := bgpBenchResults{bgpBenchOptions: o, frr: "FRR " + frr, before: machineLoad()}
	if o.reps > 0 {
		res.withdrawals = bb.withdrawals()
	}
	if o.services > 0 {
		res.scale = bb.scale()
	}
	res.after = machineLoad()
	res.print(os.Stdout)
	res.report(b)
}

type bgpBenchOptions struct {
	services, reps, workers int
}

// bgpBench is the world of the benchmark and the router it restarts
// between its parts (BFD is part of the router's configuration).
type bgpBench struct {
	w      *world
	o      bgpBenchOptions
	router *lab.Router
	bfd    bool
}

// The pools: one address for the withdrawal scenarios, a /18 (16,384) for
// the scale part; both outside the lab's segment, routed by BGP alone.
var (
	benchOnePool   = netip.MustParsePrefix("10.79.0.0/30")
	benchScalePool = netip.MustParsePrefix("10.80.0.0/18")
)

// The sessions' timers: hold 3 s (the least FRR and the CRD accept), a
// connect retry of 1 s so that a node whose link comes back reconnects
// at once, and BFD 100 ms × 3 when on.
const (
	benchHold     = 3 * time.Second
	benchConnect  = time.Second
	benchBFDEvery = 100 * time.Millisecond
	benchBFDMult  = 3
)

// useRouter makes sure FRR runs with BFD on or off for every node's
// session, and that the BGPPeer says the same, and waits for every
// session to be up.
func (bb *bgpBench) useRouter(bfd bool) {
	w := bb.w
	w.t.Helper()
	if bb.router != nil && bb.bfd == bfd {
		return
	}
	bb.stopRouter()
	var ropt *lab.BFDOptions
	if bfd {
		ropt = &lab.BFDOptions{MinRx: benchBFDEvery, MinTx: benchBFDEvery, Multiplier: benchBFDMult}
	}
	r, err := w.lab.StartRouter(w.ctx, lab.RouterOptions{Daemon: lab.FRR, HoldTime: benchHold,
		Peers: []lab.RouterPeer{{Range: w.lab.Subnet4, BFD: ropt}}})
	if err != nil {
		w.t.Fatal(err)
	}
	bb.router, bb.bfd = r, bfd
	bb.setPeer(bfd)
	bb.waitSessions()
}

// waitSessions waits until the router has a session with every node, and
// a BFD session with each if BFD is on: a node cut before its BFD session
// is up would measure the hold time.
func (bb *bgpBench) waitSessions() {
	w, r := bb.w, bb.router
	w.t.Helper()
	w.eventually("a session with every node at the router", time.Minute, sessionsUp(w, r, w.nodeAddrs(), 0))
	if bb.bfd {
		w.eventually("a BFD session with every node at the router", time.Minute, bfdUp(w, r))
	}
}

func (bb *bgpBench) stopRouter() {
	if bb.router != nil {
		if err := bb.router.Stop(); err != nil {
			bb.w.t.Logf("stop router: %v", err)
		}
		bb.router = nil
	}
}

// setPeer creates or updates the BGPPeer "tor" for the router.
func (bb *bgpBench) setPeer(bfd bool) {
	w := bb.w
	ms := func(d time.Duration) *metav1.Duration { return &metav1.Duration{Duration: d} }
	spec := farolv1.BGPPeerSpec{PeerAddress: bb.router.Host.IPv4.String(), PeerASN: bb.router.Options.ASN, MyASN: 64601,
		HoldTime: ms(benchHold), ConnectTime: ms(benchConnect)}
	if bfd {
		mult := int32(benchBFDMult)
		spec.BFD = &farolv1.BFD{MinRx: ms(benchBFDEvery), MinTx: ms(benchBFDEvery), Multiplier: &mult}
	}
	var p farolv1.BGPPeer
	err := w.c.Get(w.ctx, client.ObjectKey{Name: "tor"}, &p)
	if err == nil {
		p.Spec = spec
		err = w.c.Update(w.ctx, &p)
	} else {
		err = w.c.Create(w.ctx, &farolv1.BGPPeer{ObjectMeta: metav1.ObjectMeta{Name: "tor"}, Spec: spec})
	}
	if err != nil {
		w.t.Fatal(err)
	}
}

// advertise creates a pool and a BGPAdvertisement of the same name for it.
func (bb *bgpBench) advertise(name string, prefix netip.Prefix) {
	w := bb.w
	w.t.Helper()
	objs := []client.Object{
		gen.Pool(name, []string{prefix.String()}),
		&farolv1.BGPAdvertisement{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: farolv1.BGPAdvertisementSpec{Pools: []string{name}}},
	}
	for _, o := range objs {
		if err := w.c.Create(w.ctx, o); err != nil {
			w.t.Fatal(err)
		}
	}
}

// routeTable opens the router's kernel table, closed with the benchmark.
func (bb *bgpBench) routeTable() *lab.RouteTable {
	w := bb.w
	tab, err := w.lab.Router.RouteTable()
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(tab.Close)
	return tab
}

func envInt(t testing.TB, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		t.Fatalf("%s=%q: want a whole number ≥ 0", name, v)
	}
	return n
}

// machineLoad describes how busy the machine is: the load averages and
// the share of time runnable tasks waited for a CPU (PSI), since figures
// in milliseconds depend on it.
func machineLoad() string {
	load, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	out := "load average " + strings.Join(strings.Fields(string(load))[:3], " ")
	if psi, err := os.ReadFile("/proc/pressure/cpu"); err == nil {
		line, _, _ := strings.Cut(string(psi), "\n")
		for _, f := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(f, "avg60="); ok {
				out += ", CPU pressure " + v + "% (tasks waiting for a CPU, last minute)"
			}
		}
	}
	return out
}
