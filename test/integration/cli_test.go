package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/internal/cli"
	"github.com/farol-lb/farol/internal/cli/inspect"
	"github.com/farol-lb/farol/test/gen"
)

// TestCLIStatusExplain runs `kubectl farol status` and `explain` through
// their cobra commands against a real API server on which the real
// controller assigns addresses: Nodes (one cordoned, one with
// NetworkUnavailable), a one-address pool for Layer 2, a pool advertised
// over BGP, a BGPNodeStatus, a speaker Pod. No speaker runs, so the
// recorded owner is written by the test, as a speaker would.
func TestCLIStatusExplain(t *testing.T) {
	e := newOwnEnv(t)
	e.startController()
	for _, n := range []string{"cli-a", "cli-b", "cli-c", "cli-d"} {
		e.createNode(n)
	}
	e.changeNode("cli-c", func(n *corev1.Node) { n.Spec.Unschedulable = true }, false)
	e.changeNode("cli-d", func(n *corev1.Node) {
		n.Status.Conditions = append(n.Status.Conditions, corev1.NodeCondition{Type: corev1.NodeNetworkUnavailable, Status: corev1.ConditionTrue})
	}, true)
	e.speakerPod("cli-a", true)
	e.speakerPod("cli-b", true)
	e.speakerPod("cli-c", true)
	e.speakerPod("cli-d", true)

	e.createPool(gen.Pool("cli-main", []string{"10.77.0.1/32"}))
	e.createPool(gen.Pool("cli-edge", []string{"10.77.1.0/30"}, gen.Manual()))
	e.create(&farolv1.L2Advertisement{ObjectMeta: metav1.ObjectMeta{Name: "cli-l2"},
		Spec: farolv1.L2AdvertisementSpec{Pools: []string{"cli-main"}, Interfaces: []string{"lo"}}})
	e.create(&farolv1.BGPAdvertisement{ObjectMeta: metav1.ObjectMeta{Name: "cli-bgp"},
		Spec: farolv1.BGPAdvertisementSpec{Pools: []string{"cli-edge"}}})
	e.create(&farolv1.BGPNodeStatus{ObjectMeta: metav1.ObjectMeta{Name: "cli-a"},
		Status: farolv1.BGPNodeStatusStatus{Established: 1, Total: 1, Sessions: []farolv1.BGPSessionStatus{
			{Peer: "tor", Address: "192.0.2.1", State: farolv1.BGPSessionEstablished, PrefixesSent: 1}}}})

	e.createService(gen.Service("web"))
	web := e.waitAddresses("web", 1)[0]
	e.createService(gen.Service("waiting"))
	e.waitEvent("waiting", "AllocationFailed", "exhausted")
	e.createService(gen.Service("edge", gen.WithPool("cli-edge")))
	e.waitAddresses("edge", 1)
	e.readyEndpoint("web", "cli-b")
	e.readyEndpoint("edge", "cli-a")

	// status: the pools once the controller has counted the use.
	var r inspect.Report
	e.eventually("status shows the pools in use", 20*time.Second, func() string {
		r = inspect.Report{}
		out := e.farolCLI("status", "-A", "-o", "json")
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			return err.Error() + ": " + out
		}
		main := findPool(r, "cli-main")
		if main == nil || !main.Ready || main.IPv4 == nil || main.IPv4.InUse != 1 || main.IPv4.Capacity != "1" {
			return "cli-main: " + out
		}
		return ""
	})
	if !r.Speakers.Observed || !slices.Equal(r.Speakers.Alive, []string{"cli-a", "cli-b", "cli-c", "cli-d"}) {
		t.Errorf("speakers: %+v", r.Speakers)
	}
	svcs := map[string]inspect.Service{}
	for _, s := range r.Services {
		svcs[s.Name] = s
	}
	if s := svcs["waiting"]; !s.Pending {
		t.Errorf("waiting is not pending: %+v", s)
	}
	w := svcs["web"]
	if len(w.Addresses) != 1 || w.Addresses[0].Address != web || w.Pool != "cli-main" {
		t.Fatalf("web: %+v", w)
	}
	// Cluster traffic: the usable nodes are a and b (c cordoned, d
	// without network).
	owner := ""
	if an := w.Addresses[0].Announcements; len(an) == 1 && an[0].Mode == "l2" && len(an[0].Nodes) == 1 {
		owner = an[0].Nodes[0]
	}
	if owner != "cli-a" && owner != "cli-b" {
		t.Fatalf("web's owner %q: %+v", owner, w.Addresses[0])
	}
	if ed := svcs["edge"]; len(ed.Addresses) != 1 || len(ed.Addresses[0].Announcements) != 1 ||
		!slices.Equal(ed.Addresses[0].Announcements[0].Nodes, []string{"cli-a", "cli-b"}) || ed.Addresses[0].Announcements[0].Mode != "bgp" {
		t.Errorf("edge: %+v", ed)
	}
	if len(r.BGP) != 1 || r.BGP[0].Node != "cli-a" || r.BGP[0].Sessions[0].State != "Established" {
		t.Errorf("BGP: %+v", r.BGP)
	}
	table := e.farolCLI("status", "-n", e.ns)
	for _, want := range []string{"cli-main", "1/1", "<pending>", "4 of 4 alive", "cli-a  tor"} {
		if !strings.Contains(table, want) {
			t.Errorf("the status table lacks %q:\n%s", want, table)
		}
	}

	// explain: a pending Service, with the controller's event.
	e.expectLines(e.farolCLI("explain", "svc/waiting", "-n", e.ns),
		`[ok] pool "cli-main" (priority 0): may serve it; IPv4 1 of 1 in use`,
		`[NO] pool "cli-edge" (priority 0): autoAssign=false`,
		`[NO] address: none: pool "cli-main" is exhausted: 1 of 1 IPv4 addresses in use`,
		`Warning AllocationFailed: PoolExhausted: pool "cli-main" is exhausted`)

	// explain: the Layer 2 owner, the other nodes' reasons, and the
	// cluster's record: none yet, then the same owner, then another.
	other := map[string]string{"cli-a": "cli-b", "cli-b": "cli-a"}[owner]
	e.expectLines(e.farolCLI("explain", "service/web", "-n", e.ns),
		`[ok] address: holds `+web+` from pool "cli-main"`,
		`[ok] `+web+`: layer 2: `+owner+` answers ARP/NDP for it on lo`,
		`cluster DISAGREES: no speaker records announcing it`,
		owner+`: announces `+web+` (layer 2)`,
		`[NO] owner of `+web+`: `+owner+` owns `+web+` (elected among 2 candidates)`,
		`[NO] cordon: cordoned (spec.unschedulable)`,
		`[NO] network: its NetworkUnavailable condition is True`)
	e.recordOwner("web", owner+"/lo")
	e.expectLines(e.farolCLI("explain", "svc/web", "-n", e.ns), `cluster: agrees (farol.dev/announcing-ipv4: `+owner+`/lo)`)
	e.recordOwner("web", other+"/lo")
	e.expectLines(e.farolCLI("explain", "svc/web", "-n", e.ns),
		`cluster DISAGREES: farol.dev/announcing-ipv4 says `+other+` announces it, the rules elect `+owner)
	// A speaker that is not Ready is not alive: the owner changes.
	e.speakerPod(owner, false)
	e.expectLines(e.farolCLI("explain", "svc/web", "-n", e.ns),
		`[NO] speaker: no live speaker runs on it`,
		`[ok] `+web+`: layer 2: `+other+` answers ARP/NDP for it on lo`,
		`cluster: agrees (farol.dev/announcing-ipv4: `+other+`/lo)`)
	e.speakerPod(owner, true)

	// explain: BGP, the nodes that advertise and their sessions.
	edge := e.service("edge").Status.LoadBalancer.Ingress[0].IP
	e.expectLines(e.farolCLI("explain", "svc/edge", "-n", e.ns),
		`[ok] `+edge+`: BGP: cli-a, cli-b advertise `+edge+`/32 via cli-bgp to every peer of each node`,
		`cluster: cli-a sends it to tor (prefixes sent: 1)`,
		`cluster: cli-b has no BGPNodeStatus`,
		`[NO] route of `+edge+`: does not advertise `+edge+`; cli-a, cli-b do`)
}

// farolCLI runs kubectl farol with the cluster's kubeconfig and returns
// its standard output; it fails the test on a non-zero exit.
func (e *env) farolCLI(args ...string) string {
	e.t.Helper()
	var out, errOut bytes.Buffer
	args = append(args, "--kubeconfig", e.cl.KubeconfigPath)
	if code := cli.Run(args, cli.Streams{In: strings.NewReader(""), Out: &out, Err: &errOut}); code != 0 {
		e.t.Fatalf("kubectl farol %v: exit %d: %s%s", args, code, out.String(), errOut.String())
	}
	return out.String()
}

// expectLines fails unless out has a line containing each fragment.
func (e *env) expectLines(out string, fragments ...string) {
	e.t.Helper()
	for _, f := range fragments {
		if !strings.Contains(out, f) {
			e.t.Errorf("the output lacks %q:\n%s", f, out)
		}
	}
}

func findPool(r inspect.Report, name string) *inspect.Pool {
	for i := range r.Pools {
		if r.Pools[i].Name == name {
			return &r.Pools[i]
		}
	}
	return nil
}

// create creates a cluster-scoped object and deletes it when the test
// ends.
func (e *env) create(o client.Object) {
	e.t.Helper()
	if err := e.c.Create(e.ctx, o); err != nil {
		e.t.Fatalf("create %T %s: %v", o, o.GetName(), err)
	}
	e.t.Cleanup(func() { _ = e.c.Delete(context.Background(), o) })
}

// changeNode changes a Node's spec, or its status.
func (e *env) changeNode(name string, change func(*corev1.Node), status bool) {
	e.t.Helper()
	var n corev1.Node
	if err := e.c.Get(e.ctx, types.NamespacedName{Name: name}, &n); err != nil {
		e.t.Fatal(err)
	}
	change(&n)
	var err error
	if status {
		err = e.c.Status().Update(e.ctx, &n)
	} else {
		err = e.c.Update(e.ctx, &n)
	}
	if err != nil {
		e.t.Fatal(err)
	}
}

// speakerPod creates or updates the speaker DaemonSet's Pod on node,
// Ready or not, as the kubelet would report it.
func (e *env) speakerPod(node string, ready bool) {
	e.t.Helper()
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "farol-speaker-" + node, Namespace: "farol-system", Labels: inspect.SpeakerLabels},
		Spec: corev1.PodSpec{NodeName: node, AutomountServiceAccountToken: new(bool),
			Containers: []corev1.Container{{Name: "speaker", Image: "ghcr.io/farol-lb/farol:test"}}}}
	if err := e.c.Get(e.ctx, client.ObjectKeyFromObject(p), p); err != nil {
		// Without a controller manager nobody creates the namespace's
		// default ServiceAccount, which Pod admission looks up.
		sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "farol-system"}}
		if err := e.c.Create(e.ctx, sa); err != nil && !apierrors.IsAlreadyExists(err) {
			e.t.Fatal(err)
		}
		if err := e.c.Create(e.ctx, p); err != nil {
			e.t.Fatal(err)
		}
		e.t.Cleanup(func() { _ = e.c.Delete(context.Background(), p, client.GracePeriodSeconds(0)) })
	}
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	p.Status.Phase = corev1.PodRunning
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: status}}
	if err := e.c.Status().Update(e.ctx, p); err != nil {
		e.t.Fatal(err)
	}
}

// recordOwner writes the Layer 2 owner annotation, as the owning speaker
// does.
func (e *env) recordOwner(service, value string) {
	e.t.Helper()
	patch := []byte(`{"metadata":{"annotations":{"` + farolv1.AnnotationAnnouncingIPv4 + `":"` + value + `"}}}`)
	if err := e.c.Patch(e.ctx, e.service(service), client.RawPatch(types.MergePatchType, patch)); err != nil {
		e.t.Fatal(err)
	}
}
