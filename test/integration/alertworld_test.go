package integration

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/vishvananda/netlink"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/test/gen"
)

// The speaker runs in the host's network namespace, so it answers only on
// a veth pair of the test's own, on documentation addresses (RFC 5737).
// The pair is named after the process: test runs from other checkouts may
// share the host.
var (
	alertLink = fmt.Sprintf("fal%da", os.Getpid()) // the speaker answers here
	alertPeer = fmt.Sprintf("fal%db", os.Getpid()) // the test asks from here
)

const (
	alertSubnet     = "198.51.100.1/24"
	alertPeerSubnet = "198.51.100.2/24"
	announcedPool   = "198.51.100.16/30"
	silentPool      = "198.51.100.32/32"
)

// alertWorld starts the controller and a speaker from the farol binary
// against the API server and gives their metrics values: an announced
// Service (owned address, gratuitous ARP, an ARP request answered), a
// Service whose pool no L2Advertisement selects (unannounced), and one
// that waits for an address (its pool is full). It returns the two
// scraped targets.
func alertWorld(e *env) scrapes {
	e.t.Helper()
	e.noOtherAdvertisements()
	vethPair(e)
	node := "alerts-node-" + e.ns
	e.createNode(node)

	announced, silent := "alerts-announced-"+e.ns, "alerts-silent-"+e.ns
	e.createPool(gen.Pool(announced, []string{announcedPool}, gen.Manual()))
	e.createPool(gen.Pool(silent, []string{silentPool}, gen.Manual()))
	ad := &farolv1.L2Advertisement{
		ObjectMeta: metav1.ObjectMeta{Name: "alerts-" + e.ns},
		Spec:       farolv1.L2AdvertisementSpec{Pools: []string{announced}, Interfaces: []string{alertLink}},
	}
	if err := e.c.Create(e.ctx, ad); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = e.c.Delete(context.Background(), ad) })

	kubeconfig := e.cl.KubeconfigPath
	ctlAddr, spkAddr := "127.0.0.1:"+strconv.Itoa(freePort(e.t)), "127.0.0.1:"+strconv.Itoa(freePort(e.t))
	farolProc(e.t, "controller", "controller", "--kubeconfig", kubeconfig,
		"--metrics-address", ctlAddr, "--health-address", "0", "--leader-elect=false")
	farolProc(e.t, "speaker", "speaker", "--kubeconfig", kubeconfig, "--node-name", node,
		"--metrics-address", spkAddr, "--health-address", "0",
		"--bind-address", "127.0.0.1", "--bind-port", strconv.Itoa(freePort(e.t)))

	e.createService(gen.Service("announced", gen.WithPool(announced)))
	e.createService(gen.Service("silent", gen.WithPool(silent)))
	e.readyEndpoint("announced", node)
	e.readyEndpoint("silent", node)
	vip := e.waitAddresses("announced", 1)[0]
	e.waitAddresses("silent", 1)
	e.createService(gen.Service("waiting", gen.WithPool(silent)))
	e.waitEvent("waiting", "AllocationFailed", "PoolExhausted")
	e.waitEvent("announced", "Announcing", node)
	e.waitEvent("silent", "NotAnnounced")
	// One ARP request, so that the responder's request and reply counters
	// have their series.
	if out, err := exec.Command("arping", "-c", "1", "-w", "5", "-I", alertPeer, vip).CombinedOutput(); err != nil {
		e.t.Fatalf("arping %s: %v: %s", vip, err, out)
	}

	s := scrapes{
		pool:        map[string]string{"pool": announced, "family": "IPv4"},
		pending:     map[string]string{"namespace": e.ns, "service": "waiting"},
		unannounced: map[string]string{"namespace": e.ns, "service": "silent"},
	}
	// Every series the alerts and the dashboard read, present in one
	// scrape of each.
	want := map[string][]string{
		"controller": {"farol_pool_in_use_addresses", "farol_service_pending", "farol_allocations_total",
			"farol_allocation_failures_total", "controller_runtime_reconcile_errors_total"},
		"speaker": {"farol_speaker_unannounced_addresses", "farol_speaker_live_members", "farol_l2_addresses_owned",
			"farol_l2_gratuitous_sent_total", "farol_l2_requests_received_total", "farol_l2_replies_sent_total",
			"farol_speaker_ownership_changes_total"},
	}
	e.eventually("metrics of both programs", 30*time.Second, func() string {
		var err error
		if s.controller, err = scrapeTarget(e.t, "farol-controller", ctlAddr); err != nil {
			return err.Error()
		}
		if s.speaker, err = scrapeTarget(e.t, "farol-speaker", spkAddr); err != nil {
			return err.Error()
		}
		for job, tg := range map[string]*target{"controller": s.controller, "speaker": s.speaker} {
			for _, m := range want[job] {
				if _, err := tg.pick(m, nil); err != nil {
					return err.Error()
				}
			}
		}
		for _, p := range append(s.perService(), seriesRef{s.controller, "farol_pool_in_use_addresses", s.pool}) {
			if _, err := p.tg.pick(p.name, p.match); err != nil {
				return err.Error()
			}
		}
		return ""
	})
	s.speaker2 = &target{job: s.speaker.job, instance: "127.0.0.2:9422"}
	for _, ps := range s.speaker.series {
		s.speaker2.series = append(s.speaker2.series, ps.with(map[string]string{"instance": s.speaker2.instance}))
	}
	return s
}

// vethPair creates the link the speaker answers on, with a subnet holding
// the pools, and its peer, with an address to ask from; both up, so the
// link has carrier.
func vethPair(e *env) {
	e.t.Helper()
	la := netlink.NewLinkAttrs()
	la.Name = alertLink
	v := &netlink.Veth{LinkAttrs: la, PeerName: alertPeer}
	if err := netlink.LinkAdd(v); err != nil {
		e.t.Fatalf("add veth %s: %v", alertLink, err)
	}
	e.t.Cleanup(func() { _ = netlink.LinkDel(v) })
	for name, prefix := range map[string]string{alertLink: alertSubnet, alertPeer: alertPeerSubnet} {
		l, err := netlink.LinkByName(name)
		if err != nil {
			e.t.Fatal(err)
		}
		addr, err := netlink.ParseAddr(prefix)
		if err != nil {
			e.t.Fatal(err)
		}
		if err := netlink.AddrAdd(l, addr); err != nil {
			e.t.Fatal(err)
		}
		if err := netlink.LinkSetUp(l); err != nil {
			e.t.Fatal(err)
		}
	}
}

// noOtherAdvertisements refuses to start a speaker in the host's network
// namespace while another test's L2Advertisement exists: one without
// interfaces would have it answer ARP on the host's real links.
func (e *env) noOtherAdvertisements() {
	e.t.Helper()
	var list farolv1.L2AdvertisementList
	if err := e.c.List(e.ctx, &list); err != nil {
		e.t.Fatal(err)
	}
	if len(list.Items) > 0 {
		e.t.Fatalf("L2Advertisement %s exists: a speaker on the host would answer for its pools on the host's links", list.Items[0].Name)
	}
}

// createNode creates a Node with an InternalIP, as a kubelet would.
func (e *env) createNode(name string) {
	e.t.Helper()
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := e.c.Create(e.ctx, n); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = e.c.Delete(context.Background(), n) })
	n.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}}
	if err := e.c.Status().Update(e.ctx, n); err != nil {
		e.t.Fatal(fmt.Errorf("node status: %w", err))
	}
}

// readyEndpoint gives a Service one ready endpoint on node, as the
// EndpointSlice controller would for a running Pod: the speaker announces
// no address of a Service without one.
func (e *env) readyEndpoint(service, node string) {
	e.t.Helper()
	es := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{
			Name: service + "-1", Namespace: e.ns,
			Labels: map[string]string{discoveryv1.LabelServiceName: service},
		},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints: []discoveryv1.Endpoint{{
			Addresses:  []string{"10.244.0.10"},
			Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(true)},
			NodeName:   ptr.To(node),
		}},
	}
	if err := e.c.Create(e.ctx, es); err != nil {
		e.t.Fatal(err)
	}
}
