// Command bench-speaker measures one speaker against a real etcd and
// kube-apiserver at cluster scale (issue 8): Nodes, LoadBalancer Services
// with addresses and their EndpointSlices are created first, then one
// speaker starts in this process with fake membership (every Node is a
// live speaker) and fake ARP/NDP responders, so what it measures is the
// speaker's Kubernetes side: caches, event handling and decisions.
//
//	make bench-speaker                                                 # 500 Nodes, 2,000 Services
//	FAROL_BENCH_NODES=5000 FAROL_BENCH_SERVICES=20000 make bench-speaker # about 17 min of creating
//
// FAROL_BENCH_BGP=1 also advertises the pool over BGP from every node (a
// BGPAdvertisement; a fake announcer counts what the speaker tells it):
// with Cluster traffic every node is in each Service's BGP announcement.
// Other knobs: FAROL_BENCH_NAMESPACES (10), FAROL_BENCH_CLIENTS (32
// creating in parallel), FAROL_BENCH_SETTLE_TIMEOUT (10m),
// FAROL_BENCH_LOG (the speaker's log file). The API server's binaries come
// from FAROL_BIN_DIR (hack/bins.sh --print).
package main

import (
	"runtime/debug"

	"context"
	"errors"
	"fmt"
	"github.com/farol-lb/farol/internal/memlimit"
	"k8s.io/apimachinery/pkg/api/resource"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/app/speaker"
	"github.com/farol-lb/farol/test/cluster"
)

// config is the bench's size and knobs, from the environment.
type config struct {
	nodes, services, namespaces, clients int
	settleTimeout                        time.Duration
	logPath                              string
	// memoryLimit emulates a container memory limit for the speaker
	// (FAROL_BENCH_MEMORY_LIMIT, a quantity such as 160Mi): the runtime's
	// soft limit is set the way internal/memlimit sets it in a container,
	// on top of the bench's own memory at the baseline. 0: none.
	memoryLimit int64
	// bgp: FAROL_BENCH_BGP=1, see the package doc.
	bgp bool
}

func configFromEnv() (config, error) {
	c := config{nodes: 500, services: 2000, namespaces: 10, clients: 32, settleTimeout: 10 * time.Minute,
		logPath: filepath.Join(os.TempDir(), fmt.Sprintf("farol-bench-speaker-%d.log", os.Getpid()))}
	for name, into := range map[string]*int{
		"FAROL_BENCH_NODES": &c.nodes, "FAROL_BENCH_SERVICES": &c.services,
		"FAROL_BENCH_NAMESPACES": &c.namespaces, "FAROL_BENCH_CLIENTS": &c.clients,
	} {
		if v := os.Getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return c, fmt.Errorf("%s=%q: want a positive number", name, v)
			}
			*into = n
		}
	}
	if v := os.Getenv("FAROL_BENCH_SETTLE_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return c, fmt.Errorf("FAROL_BENCH_SETTLE_TIMEOUT: %w", err)
		}
		c.settleTimeout = d
	}
	if v := os.Getenv("FAROL_BENCH_MEMORY_LIMIT"); v != "" {
		q, err := resource.ParseQuantity(v)
		if err != nil || q.Value() <= 0 {
			return c, fmt.Errorf("FAROL_BENCH_MEMORY_LIMIT=%q: want a positive quantity such as 160Mi", v)
		}
		c.memoryLimit = q.Value()
	}
	c.bgp = os.Getenv("FAROL_BENCH_BGP") == "1"
	if v := os.Getenv("FAROL_BENCH_LOG"); v != "" {
		c.logPath = v
	}
	if c.nodes < 2 {
		return c, errors.New("FAROL_BENCH_NODES: at least 2 (one leaves)")
	}
	return c, nil
}

func main() {
	c, err := configFromEnv()
	if err == nil {
		// SIGTERM too: a bench started with & from a script ignores SIGINT.
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err = run(ctx, c)
		stop()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-speaker:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, c config) (err error) {
	logFile, err := os.Create(c.logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()
	log := slog.New(slog.NewTextHandler(logFile, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctrl.SetLogger(logr.FromSlogHandler(log.Handler()))

	logf("nodes=%d services=%d namespaces=%d; speaker log: %s", c.nodes, c.services, c.namespaces, c.logPath)
	t := time.Now()
	cl, err := cluster.Start(ctx, cluster.Options{
		// Services with externalTrafficPolicy Local still take a health
		// check node port each.
		ExtraAPIServerFlags: []string{"--service-node-port-range=30000-60000"},
	})
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, cl.Stop()) }()
	crds, err := crdDir()
	if err != nil {
		return err
	}
	if err := cl.InstallCRDs(ctx, crds); err != nil {
		return err
	}
	logf("API server ready in %s", since(t))

	k, err := newClient(cl.Config)
	if err != nil {
		return err
	}
	t = time.Now()
	if err := populate(ctx, k, c); err != nil {
		return fmt.Errorf("create objects: %w", err)
	}
	creation := time.Since(t)
	logf("objects created in %s (not part of the figures)", creation.Round(time.Second))

	r := &results{config: c, creation: creation}
	err = measure(ctx, c, cl.Config, k, log, r)
	r.print(os.Stdout)
	if err == nil && !r.ok {
		err = fmt.Errorf("the speaker did not settle: %w", r.settleErr)
	}
	return err
}

// measure starts the speaker and runs the scenarios one after the other,
// filling r as far as it gets.
func measure(ctx context.Context, c config, cfg *rest.Config, k client.Client, log *slog.Logger, r *results) error {
	names := make([]string, c.nodes)
	for i := range names {
		names[i] = nodeName(i)
	}
	self := nodeName(c.nodes / 2)
	mem := newMembers(names)
	l2 := newLayer2()
	var bgpAnn *bgpPaths
	var bgpOpt speaker.BGP // a nil *bgpPaths would not be a nil BGP
	if c.bgp {
		bgpAnn = newBGPPaths()
		bgpOpt = bgpAnn
	}

	// The speaker binary's garbage collection target (GOGC=50 unless set),
	// for the whole process: in-process, the bench cannot give it to the
	// speaker alone.
	r.gogc = memlimit.SpeakerGC()
	r.base = baseline()
	if c.memoryLimit > 0 {
		// RSS, not the runtime's own count, as the base: it includes the
		// binary's text, so the speaker gets at least its share.
		debug.SetMemoryLimit(int64(r.base.rss) + int64(memlimit.Fraction*float64(c.memoryLimit)))
	}
	cpu0 := cpuSeconds()
	sctx, stopSpeaker := context.WithCancel(context.WithoutCancel(ctx))
	exited := &exit{done: make(chan struct{})}
	start := time.Now()
	go func() {
		defer close(exited.done)
		exited.err = speaker.Run(sctx, speaker.Options{
			Config: cfg, NodeName: self,
			MetricsAddress: "0", HealthAddress: "0",
			Members: mem, Announcer: l2, BGP: bgpOpt,
			Registry: prometheus.NewRegistry(),
			// Two saturated cores can delay a 100 ms tick by more than the
			// default 500 ms; a false freeze would shut the announcer.
			FreezeThreshold: time.Hour,
			Logger:          log,
		})
	}()
	defer func() {
		stopSpeaker()
		select {
		case <-exited.done:
		case <-time.After(30 * time.Second):
			logf("the speaker did not stop within 30 s")
		}
	}()
	logf("speaker %s started; waiting until it settles (every Service reconciled, then 2 s without work)", self)

	q, err := waitQuiet(ctx, l2, waitOptions{every: 20 * time.Millisecond, quiet: 2 * time.Second,
		timeout: c.settleTimeout, minReconciles: float64(c.services), exited: exited})
	r.settle = q.last.Sub(start)
	r.settleWork = q.work
	r.settleCPU = cpuSeconds() - cpu0
	r.settled = sampleMemory()
	if err := writeHeapProfile(os.Getenv("FAROL_BENCH_HEAPPROFILE")); err != nil {
		return err
	}
	r.owned = len(l2.state().owned)
	r.bgpSettled = bgpAnn.state()
	if err != nil {
		r.settle, r.settleErr = time.Since(start), err
		return nil
	}
	r.ok = true
	logf("settled after %s", r.settle.Round(time.Millisecond))
	if r.written, err = countWritten(ctx, k, self); err != nil {
		return err
	}
	quietNow := func(atLeast float64) (quiet, error) {
		return waitQuiet(ctx, l2, waitOptions{every: 20 * time.Millisecond, quiet: 2 * time.Second,
			timeout: c.settleTimeout, minReconciles: atLeast, exited: exited})
	}

	logf("idle: 2 s without writes, to calibrate the bench's own CPU")
	if r.idle, err = scenario(l2, quietNow, func() error { time.Sleep(2 * time.Second); return nil }); err != nil {
		return err
	}
	logf("200 Node heartbeats")
	if r.heartbeats, err = scenario(l2, quietNow, func() error { return heartbeats(ctx, k, c.nodes, 200, 10*time.Millisecond) }); err != nil {
		return err
	}
	logf("20 AddressPool status writes")
	if r.poolStatus, err = scenario(l2, quietNow, func() error { return poolStatusWrites(ctx, k, c.services, 20, 100*time.Millisecond) }); err != nil {
		return err
	}

	victim := nodeName(c.nodes - 1)
	logf("node %s leaves the membership", victim)
	before, l2Before, bgpBefore, t0 := mustWork(), l2.state(), bgpAnn.state(), time.Now()
	mem.remove(victim)
	q, err = waitQuiet(ctx, l2, waitOptions{every: time.Millisecond, quiet: 2 * time.Second,
		timeout: c.settleTimeout, exited: exited})
	if err != nil {
		return fmt.Errorf("after node %s left: %w", victim, err)
	}
	r.leave = effect{took: q.last.Sub(t0), reconciles: q.work.reconciles - before.reconciles, adds: q.work.adds - before.adds}
	r.leave.setLayer2(l2Before, l2.state())
	bgpAfter := bgpAnn.state()
	r.bgpLeave = bgpState{calls: bgpAfter.calls - bgpBefore.calls, changed: bgpAfter.changed - bgpBefore.changed, routes: bgpAfter.routes}
	r.leaveDone = true
	return nil
}

// scenario measures what act causes: reconciles, enqueued requests and
// CPU seconds until the speaker is quiet again.
func scenario(l2 *layer2, quietNow func(float64) (quiet, error), act func() error) (effect, error) {
	before, l2Before, cpu0, t0 := mustWork(), l2.state(), cpuSeconds(), time.Now()
	if err := act(); err != nil {
		return effect{}, err
	}
	q, err := quietNow(0)
	if err != nil {
		return effect{}, err
	}
	e := effect{took: max(0, q.last.Sub(t0)), reconciles: q.work.reconciles - before.reconciles,
		adds: q.work.adds - before.adds, cpu: cpuSeconds() - cpu0, done: true}
	e.setLayer2(l2Before, l2.state())
	return e, nil
}

func newClient(cfg *rest.Config) (client.Client, error) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, err
	}
	if err := farolv1.AddToScheme(s); err != nil {
		return nil, err
	}
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = 5000, 10000
	return client.New(cfg, client.Options{Scheme: s})
}

// crdDir finds config/crd/bases above the working directory.
func crdDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, "config", "crd", "bases")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", errors.New("config/crd/bases not found above the working directory: run from the repository")
		}
		dir = up
	}
}

func logf(format string, args ...any) {
	fmt.Printf("%s bench: %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
}

func since(t time.Time) time.Duration { return time.Since(t).Round(time.Millisecond) }
