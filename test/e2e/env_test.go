package e2e

import (
	"context"
	"net/netip"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/app/controller"
	"github.com/farol-lb/farol/test/cluster"
	"github.com/farol-lb/farol/test/gen"
	"github.com/farol-lb/farol/test/internal/poll"
	"github.com/farol-lb/farol/test/lab"
)

// world is one lab with Farol running in it: the controller in this
// process, a speaker process per node.
type world struct {
	t        testing.TB
	ctx      context.Context
	lab      *lab.Lab
	c        client.Client
	speakers map[string]*lab.Proc
	ns       string
	// The identities the shipped install gives the programs: the
	// controller's client configuration, the speakers' kubeconfig.
	controllerConfig *rest.Config
	speakerConfig    string
	// adminSpeakers run with the harness's identity instead.
	adminSpeakers map[string]bool

	sharedOnce sync.Once
	shared     []*lab.Backend
}

type worldOptions struct {
	nodes int
	// routers is the number of router hosts (lab.Options.Routers).
	routers      int
	speakerFlags []string
	// nodeFlags adds flags for one node's speaker.
	nodeFlags map[string][]string
	// beforeSpeakers runs once the cluster is up, before any speaker
	// starts.
	beforeSpeakers func(*world)
	// adminSpeakers names nodes whose speaker runs as the harness's admin
	// rather than as farol-speaker (to read a Secret the shipped RBAC
	// rightly keeps from it).
	adminSpeakers map[string]bool
	// noKubeProxy leaves kube-proxy out, for scenarios that send no
	// traffic to the Services and would only pay for its rules.
	noKubeProxy bool
	// labDir, if set, is the lab's work directory, kept afterwards with
	// every process's log.
	labDir string
}

func newWorld(t testing.TB, o worldOptions) *world {
	t.Helper()
	if o.nodes == 0 {
		o.nodes = 3
	}
	l := lab.StartT(t, lab.Options{Nodes: o.nodes, Routers: o.routers, NoKubeProxy: o.noKubeProxy, Dir: o.labDir})
	scheme, err := farolv1.Scheme()
	if err != nil {
		t.Fatal(err)
	}
	_, file, _, _ := runtime.Caller(0)
	// The shipped install (CRDs, policies, ServiceAccounts, RBAC); the
	// programs run as its ServiceAccounts, so the lab proves that the
	// shipped permissions are enough.
	if err := l.Cluster.InstallFarol(t.Context(), filepath.Join(filepath.Dir(file), "..", ".."), cluster.InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	controllerConfig, err := l.Cluster.As(t.Context(), "farol-system", "farol-controller", 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	speakerConfig, err := l.Cluster.KubeconfigAs(t.Context(), "farol-system", "farol-speaker", 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(l.Config, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, ctx: t.Context(), lab: l, c: c, speakers: map[string]*lab.Proc{}, ns: "e2e",
		controllerConfig: controllerConfig, speakerConfig: speakerConfig, adminSpeakers: o.adminSpeakers}
	if err := c.Create(w.ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: w.ns}}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	w.startController()
	if o.beforeSpeakers != nil {
		o.beforeSpeakers(w)
	}
	for _, n := range l.Nodes {
		w.startSpeaker(n, append(slices.Clone(o.speakerFlags), o.nodeFlags[n.Name]...)...)
	}
	return w
}

func (w *world) startController() {
	o := controller.Defaults()
	o.Config = w.controllerConfig
	o.MetricsAddress, o.HealthAddress = "0", "0"
	o.LeaderElection = false
	o.Registry = prometheus.NewRegistry()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := controller.Run(ctx, o); err != nil {
			w.t.Errorf("controller: %v", err)
		}
	})
	w.t.Cleanup(func() { cancel(); wg.Wait() })
}

// startSpeaker runs `farol speaker` in the node's namespace, as a DaemonSet
// with host networking would.
func (w *world) startSpeaker(n *lab.Node, extra ...string) *lab.Proc {
	w.t.Helper()
	kubeconfig := w.speakerConfig
	if w.adminSpeakers[n.Name] {
		kubeconfig = w.lab.KubeconfigInLab
	}
	args := append([]string{"speaker", "--kubeconfig", kubeconfig, "--node-name", n.Name,
		"--metrics-address", "127.0.0.1:9422", "--health-address", "0", "--log-level", "debug"}, extra...)
	p, err := n.Start("speaker", n.Command(context.Background(), farolBin, args...))
	if err != nil {
		w.t.Fatal(err)
	}
	w.speakers[n.Name] = p
	return p
}

func (w *world) node(name string) *lab.Node {
	for _, n := range w.lab.Nodes {
		if n.Name == name {
			return n
		}
	}
	w.t.Fatalf("no node %s", name)
	return nil
}

// pool creates the lab's pool and an L2Advertisement for it.
func (w *world) pool(adv ...func(*farolv1.L2Advertisement)) {
	w.t.Helper()
	p := gen.Pool("lab", []string{w.lab.VIPs4, w.lab.VIPs6})
	if err := w.c.Create(w.ctx, p); err != nil {
		w.t.Fatal(err)
	}
	a := &farolv1.L2Advertisement{ObjectMeta: metav1.ObjectMeta{Name: "lab"}}
	for _, f := range adv {
		f(a)
	}
	if err := w.c.Create(w.ctx, a); err != nil {
		w.t.Fatal(err)
	}
}

// service creates a Service with one backend per given node (all nodes if
// none) and waits for its addresses.
func (w *world) service(name string, opts []gen.ServiceOption, onNodes ...string) []netip.Addr {
	w.t.Helper()
	if len(onNodes) == 0 {
		for _, n := range w.lab.Nodes {
			onNodes = append(onNodes, n.Name)
		}
	}
	s := gen.Service(name, append([]gen.ServiceOption{gen.InNamespace(w.ns), gen.NoNodePorts()}, opts...)...)
	if err := w.c.Create(w.ctx, s); err != nil {
		w.t.Fatal(err)
	}
	w.backends(name, onNodes...)
	var addrs []netip.Addr
	w.eventually("address of "+name, 20*time.Second, func() string {
		var got corev1.Service
		if err := w.c.Get(w.ctx, types.NamespacedName{Namespace: w.ns, Name: name}, &got); err != nil {
			return err.Error()
		}
		addrs = addrs[:0]
		for _, in := range got.Status.LoadBalancer.Ingress {
			addrs = append(addrs, netip.MustParseAddr(in.IP))
		}
		if len(addrs) == 0 {
			return "no address yet"
		}
		return ""
	})
	return addrs
}

var backendSeq = map[string]int{}

// backendsShared publishes one shared backend per node (started on first
// use) for a Service: enough for announcement tests with many Services.
func (w *world) backendsShared(svc string) {
	w.t.Helper()
	if err := w.lab.Endpoints(w.ctx, w.ns, svc, w.sharedBackends(), true); err != nil {
		w.t.Error(err)
	}
}

// sharedBackends are one backend per node, started on first use.
func (w *world) sharedBackends() []*lab.Backend {
	w.sharedOnce.Do(func() {
		for _, n := range w.lab.Nodes {
			b, err := n.StartBackend(n.PodCIDR4.Addr().Next(), 8080)
			if err != nil {
				w.t.Error(err)
				return
			}
			w.shared = append(w.shared, b)
		}
	})
	return w.shared
}

// backends starts one HTTP backend per node for the Service and publishes
// them in EndpointSlices.
func (w *world) backends(svc string, onNodes ...string) {
	w.t.Helper()
	var bs []*lab.Backend
	for _, name := range onNodes {
		n := w.node(name)
		backendSeq[name]++
		for _, prefix := range []netip.Prefix{n.PodCIDR4, n.PodCIDR6} {
			ip := prefix.Addr()
			for range backendSeq[name] + 9 {
				ip = ip.Next()
			}
			b, err := n.StartBackend(ip, 8080)
			if err != nil {
				w.t.Fatal(err)
			}
			bs = append(bs, b)
		}
	}
	if err := w.lab.Endpoints(w.ctx, w.ns, svc, bs, true); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) eventually(what string, timeout time.Duration, cond func() string) {
	w.t.Helper()
	poll.Until(w.t, what, timeout, cond)
}

// arping asks "who has addr?" from the client and returns the distinct MACs
// that answered within a second.
func (w *world) arping(addr netip.Addr) []string {
	out, _ := w.lab.Client.Command(w.ctx, "arping", "-c", "1", "-I", w.lab.Client.Iface, addr.String()).CombinedOutput()
	return macsIn(string(out))
}

// ndisc asks the same over NDP.
func (w *world) ndisc(addr netip.Addr) []string {
	out, _ := w.lab.Client.Command(w.ctx, "ndisc6", "-m", "-n", "-r", "1", "-w", "1000", addr.String(), w.lab.Client.Iface).CombinedOutput()
	return macsIn(string(out))
}

func macsIn(s string) []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '[' || r == ']' || r == '\n' || r == '\t' }) {
		f = strings.ToLower(f)
		if len(f) == 17 && strings.Count(f, ":") == 5 && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

// macOf says which node owns a MAC.
func (w *world) macOf(mac string) string {
	for _, n := range w.lab.Nodes {
		if strings.EqualFold(n.MAC.String(), mac) {
			return n.Name
		}
	}
	return "unknown " + mac
}

func (w *world) url(addr netip.Addr) string {
	return "http://" + netip.AddrPortFrom(addr, 80).String() + "/"
}

// announcing returns what the Service says about who answers for its
// address of vip's family.
func (w *world) announcing(name string, vip netip.Addr) string {
	var s corev1.Service
	if err := w.c.Get(w.ctx, types.NamespacedName{Namespace: w.ns, Name: name}, &s); err != nil {
		return err.Error()
	}
	return s.Annotations[farolv1.AnnouncingAnnotation(vip.Is4())]
}

// waitCurl waits until an HTTP request from the client to vip is answered
// by a backend, and returns the answer.
func (w *world) waitCurl(vip netip.Addr) string {
	w.t.Helper()
	var body string
	w.eventually("curl "+w.url(vip), 15*time.Second, func() string {
		var err error
		if body, err = w.lab.Curl(w.ctx, w.url(vip)); err != nil {
			return err.Error()
		}
		if !strings.Contains(body, "backend") {
			return "unexpected answer " + body
		}
		return ""
	})
	return body
}
