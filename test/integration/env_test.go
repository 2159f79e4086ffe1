package integration

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/app/controller"
	"github.com/farol-lb/farol/test/cluster"
	"github.com/farol-lb/farol/test/internal/poll"
)

var shared = cluster.NewShared(cluster.Options{})

func TestMain(m *testing.M) {
	code := shared.Run(m)
	removeFarolBinary()
	os.Exit(code)
}

var setupOnce sync.Once

// env is one test's view of the shared control plane: a namespace of its
// own, a client, and cleanup of everything it created (pools are
// cluster-scoped, so each test must remove its own).
type env struct {
	t   *testing.T
	ctx context.Context
	c   client.Client
	cl  *cluster.Cluster
	ns  string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	cl := shared.Cluster(t)
	var err error
	setupOnce.Do(func() { err = setUp(t.Context(), cl) })
	if err != nil {
		t.Fatal(err)
	}
	return envOn(t, cl)
}

// newOwnEnv is newEnv on a control plane of the test's own, for tests
// that change what every other test would see (admission webhooks).
func newOwnEnv(t *testing.T) *env {
	t.Helper()
	cl := cluster.StartT(t, cluster.Options{})
	if err := setUp(t.Context(), cl); err != nil {
		t.Fatal(err)
	}
	return envOn(t, cl)
}

// setUp installs the CRDs, the admission policies and farol-system.
func setUp(ctx context.Context, cl *cluster.Cluster) error {
	ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapcore.Level(zapLevel()))))
	if err := cl.InstallCRDs(ctx, filepath.Join(repoRoot(), "config", "crd", "bases")); err != nil {
		return err
	}
	scheme, err := farolv1.Scheme()
	if err != nil {
		return err
	}
	c, err := client.New(cl.Config, client.Options{Scheme: scheme})
	if err != nil {
		return err
	}
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "farol-system"}}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	return installPolicies(ctx, cl, c, filepath.Join(repoRoot(), "config", "policy"))
}

// repoRoot is the checkout's top directory.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func envOn(t *testing.T, cl *cluster.Cluster) *env {
	t.Helper()
	scheme, err := farolv1.Scheme()
	if err != nil {
		t.Fatal(err)
	}
	// A client made after the CRDs are served, so its REST mapper knows them.
	c, err := client.New(cl.Config, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(t.Name()))
	e := &env{t: t, ctx: t.Context(), c: c, cl: cl, ns: "t-" + hex.EncodeToString(sum[:5])}
	e.createNamespace(e.ns, nil)
	return e
}

// zapLevel keeps controller logs quiet unless FAROL_TEST_LOG is set.
func zapLevel() int8 {
	if os.Getenv("FAROL_TEST_LOG") != "" {
		return -1
	}
	return 2
}

func (e *env) createNamespace(name string, labels map[string]string) {
	e.t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
	if err := e.c.Create(e.ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
		e.t.Fatal(err)
	}
	// No namespace controller runs, so deleting a namespace would leave its
	// Services behind: delete them one by one instead.
	e.t.Cleanup(func() {
		ctx := context.Background()
		var list corev1.ServiceList
		if err := e.c.List(ctx, &list, client.InNamespace(name)); err != nil {
			e.t.Error(err)
			return
		}
		for i := range list.Items {
			_ = e.c.Delete(ctx, &list.Items[i])
		}
	})
}

// startController runs a controller in-process until the test ends (or
// stop is called) and returns its metrics registry.
func (e *env) startController(mutate ...func(*controller.Options)) (stop func(), reg *prometheus.Registry) {
	e.t.Helper()
	o := e.controllerOptions(mutate...)
	reg = o.Registry.(*prometheus.Registry)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- controller.Run(ctx, o) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					e.t.Errorf("controller: %v", err)
				}
			case <-time.After(30 * time.Second):
				e.t.Error("controller did not stop within 30s")
			}
		})
	}
	e.t.Cleanup(stop)
	return stop, reg
}

// controllerOptions are the options startController uses: no listeners,
// no leader election, short lease timings, a registry of its own.
func (e *env) controllerOptions(mutate ...func(*controller.Options)) controller.Options {
	o := controller.Defaults()
	o.Config = e.cl.Config
	o.MetricsAddress, o.HealthAddress = "0", "0"
	o.LeaderElection = false
	o.Registry = prometheus.NewRegistry()
	o.LeaseDuration, o.RenewDeadline, o.RetryPeriod = 2*time.Second, 1500*time.Millisecond, 200*time.Millisecond
	for _, m := range mutate {
		m(&o)
	}
	return o
}

func (e *env) createPool(p *farolv1.AddressPool) *farolv1.AddressPool {
	e.t.Helper()
	if err := e.c.Create(e.ctx, p); err != nil {
		e.t.Fatalf("create pool %s: %v", p.Name, err)
	}
	e.t.Cleanup(func() { _ = e.c.Delete(context.Background(), p) })
	return p
}

func (e *env) createService(s *corev1.Service) *corev1.Service {
	e.t.Helper()
	if s.Namespace == "default" || s.Namespace == "" {
		s.Namespace = e.ns
	}
	if err := e.c.Create(e.ctx, s); err != nil {
		e.t.Fatalf("create service %s: %v", s.Name, err)
	}
	return s
}

func (e *env) key(name string) types.NamespacedName {
	return types.NamespacedName{Namespace: e.ns, Name: name}
}

func (e *env) service(name string) *corev1.Service {
	e.t.Helper()
	var s corev1.Service
	if err := e.c.Get(e.ctx, e.key(name), &s); err != nil {
		e.t.Fatal(err)
	}
	return &s
}

// eventually polls cond until it returns "" (success) or the time is up,
// then fails with cond's last explanation.
func (e *env) eventually(what string, timeout time.Duration, cond func() string) {
	e.t.Helper()
	poll.Until(e.t, what, timeout, cond)
}

// addresses returns the ingress IPs of a Service's status.
func addresses(s *corev1.Service) []string {
	var out []string
	for _, in := range s.Status.LoadBalancer.Ingress {
		out = append(out, in.IP)
	}
	return out
}

// waitAddresses waits until the Service has n addresses and returns them.
func (e *env) waitAddresses(name string, n int) []string {
	e.t.Helper()
	var got []string
	e.eventually("addresses of "+name, 20*time.Second, func() string {
		got = addresses(e.service(name))
		if len(got) != n {
			return fmt.Sprintf("have %v, want %d addresses; events: %v", got, n, e.events(name))
		}
		return ""
	})
	return got
}

// expectNoAddress checks the Service stays without an address for a while.
func (e *env) expectNoAddress(name string, d time.Duration) {
	e.t.Helper()
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		if got := addresses(e.service(name)); len(got) > 0 {
			e.t.Fatalf("%s got %v, want no address", name, got)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// events lists "Reason: note" of the events about a Service, oldest first.
func (e *env) events(name string) []string {
	var out []string
	for _, ev := range e.eventObjects(name) {
		out = append(out, ev.Reason+": "+ev.Note)
	}
	return out
}

// eventObjects lists the events about a Service, oldest first.
func (e *env) eventObjects(name string) []eventsv1.Event {
	e.t.Helper()
	var list eventsv1.EventList
	if err := e.c.List(context.Background(), &list, client.InNamespace(e.ns)); err != nil {
		e.t.Fatal(err)
	}
	slices.SortFunc(list.Items, func(a, b eventsv1.Event) int { return a.CreationTimestamp.Compare(b.CreationTimestamp.Time) })
	var out []eventsv1.Event
	for _, ev := range list.Items {
		if ev.Regarding.Name == name && ev.Regarding.Kind == "Service" {
			out = append(out, ev)
		}
	}
	return out
}

// waitEvent waits for an event on the Service whose "Reason: note"
// contains every fragment.
func (e *env) waitEvent(name string, fragments ...string) string {
	e.t.Helper()
	var hit string
	e.eventually(fmt.Sprintf("event on %s with %q", name, fragments), 20*time.Second, func() string {
		for _, ev := range e.events(name) {
			if containsAll(ev, fragments) {
				hit = ev
				return ""
			}
		}
		return fmt.Sprintf("events: %q", e.events(name))
	})
	return hit
}

// waitEvents waits for n events (distinct Event objects, so from distinct
// processes or decisions) on the Service whose "Reason: note" contains
// every fragment.
func (e *env) waitEvents(name string, n int, fragments ...string) {
	e.t.Helper()
	e.eventually(fmt.Sprintf("%d events on %s with %q", n, name, fragments), 20*time.Second, func() string {
		var hits int
		for _, ev := range e.events(name) {
			if containsAll(ev, fragments) {
				hits++
			}
		}
		if hits < n {
			return fmt.Sprintf("%d of %d; events: %q", hits, n, e.events(name))
		}
		return ""
	})
}

func containsAll(s string, fragments []string) bool {
	for _, f := range fragments {
		if !strings.Contains(s, f) {
			return false
		}
	}
	return true
}

// sub is the same environment for a subtest, so that its failures end
// the subtest only.
func (e *env) sub(t *testing.T) *env {
	e2 := *e
	e2.t = t
	return &e2
}

// inNamespace is the same test working in a further namespace of its own.
func (e *env) inNamespace(suffix string, labels map[string]string) *env {
	e2 := *e
	e2.ns = e.ns + "-" + suffix
	e2.createNamespace(e2.ns, labels)
	return &e2
}

// updatePool changes a pool, retrying when the controller's status writes
// race the update.
func (e *env) updatePool(name string, change func(*farolv1.AddressPool)) {
	e.t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var p farolv1.AddressPool
		if err := e.c.Get(e.ctx, types.NamespacedName{Name: name}, &p); err != nil {
			return err
		}
		change(&p)
		return e.c.Update(e.ctx, &p)
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// installPolicies applies the admission policies with kubectl -k, as an
// operator would, and waits until the API server enforces them (it loads
// policies asynchronously).
func installPolicies(ctx context.Context, cl *cluster.Cluster, c client.Client, dir string) error {
	if out, err := cl.Kubectl("apply", "-k", dir).CombinedOutput(); err != nil {
		return fmt.Errorf("kubectl apply -k %s: %w: %s", dir, err, out)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		p := &farolv1.AddressPool{ObjectMeta: metav1.ObjectMeta{Name: "policy-probe"}}
		p.Spec.Addresses = []farolv1.AddressRange{"10.255.0.9-10.255.0.1"}
		err := c.Create(ctx, p)
		if err != nil && strings.Contains(err.Error(), "reversed") {
			return nil
		}
		if err == nil {
			_ = c.Delete(ctx, p)
		}
		if time.Now().After(deadline) {
			if err == nil {
				return errors.New("the AddressPool admission policy is not enforced after 30s: a reversed range was accepted")
			}
			return fmt.Errorf("the AddressPool admission policy is not enforced after 30s: %w", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
