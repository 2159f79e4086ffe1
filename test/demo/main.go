// Command demo is `make demo`: it builds the network lab (a bridge, a
// control plane, three nodes with kube-proxy, a client), runs the farol
// controller and a speaker per node in it, and walks through what a user
// sees: Services wait at <pending>, an AddressPool and an L2Advertisement
// are applied, the client's ARP request is answered by exactly one node and
// its HTTP requests reach a backend through kube-proxy; then the owning
// node dies and the client's requests move to the new owner. It stays up
// until Ctrl-C or `make demo-down` (`demo down`) and tears everything down
// on every exit path.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/farol-lb/farol/test/cluster"
	"github.com/farol-lb/farol/test/lab"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if len(os.Args) > 1 && os.Args[1] == "down" {
		err = down()
	} else {
		err = run(ctx)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// stateDir holds the running demo's pid file, so that `demo down` stops
// exactly the process `make demo` started.
func stateDir() string {
	base := os.Getenv("XDG_RUNTIME_DIR")
	if base == "" {
		base = os.TempDir()
	}
	return filepath.Join(base, "farol-demo")
}

func step(format string, args ...any) {
	fmt.Printf("\n==> "+format+"\n", args...)
}

func run(ctx context.Context) (err error) {
	dir := stateDir()
	if pid, ok := runningPID(dir); ok {
		return fmt.Errorf("a demo is already running (pid %d); stop it with 'make demo-down'", pid)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	pidFile := filepath.Join(dir, "pid")
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return err
	}
	defer os.Remove(pidFile)
	root, err := repoRoot()
	if err != nil {
		return err
	}
	farol := filepath.Join(root, "bin", "farol")
	if _, err := os.Stat(farol); err != nil {
		return fmt.Errorf("%s is missing (make build): %w", farol, err)
	}

	step("building the lab: a bridge, a control plane (etcd %s, kube-apiserver %s), 3 nodes with kube-proxy, a client", cluster.EtcdVersion, cluster.KubernetesVersion)
	l, err := lab.Start(ctx, lab.Options{Nodes: 3, Log: prefixed("    ")})
	if err != nil {
		return err
	}
	defer func() {
		step("tearing the lab down")
		err = errors.Join(err, l.Stop())
	}()
	d := &demo{ctx: ctx, lab: l, farol: farol, root: root}
	if err := d.install(); err != nil {
		return err
	}
	if err := d.services(); err != nil {
		return err
	}
	vip, err := d.reach()
	if err != nil {
		return err
	}
	if err := d.bgp(); err != nil {
		return err
	}
	if err := d.failover(vip); err != nil {
		return err
	}
	if err := d.inspect(); err != nil {
		return err
	}
	d.instructions(vip)
	<-ctx.Done()
	return nil
}

// install puts the CRDs in, and starts the controller in the control-plane
// namespace and a speaker on every node, as a Deployment and a DaemonSet
// would.
func (d *demo) install() error {
	step("installing Farol from config/default (CRDs, policies, webhook, ServiceAccounts, RBAC); the controller and a speaker per node run as its ServiceAccounts")
	// The controller serves the webhook in the control plane's namespace,
	// where the API server reaches it by address: this lab has no
	// kube-proxy in front of the API server to reach the Service.
	const webhook = "127.0.0.1:9443"
	if err := d.lab.Cluster.InstallFarol(d.ctx, d.root, cluster.InstallOptions{WebhookURL: "https://" + webhook}); err != nil {
		return err
	}
	var err error
	if d.controllerConfig, err = d.lab.Cluster.KubeconfigAs(d.ctx, "farol-system", "farol-controller", 24*time.Hour); err != nil {
		return err
	}
	if d.speakerConfig, err = d.lab.Cluster.KubeconfigAs(d.ctx, "farol-system", "farol-speaker", 24*time.Hour); err != nil {
		return err
	}
	cp := d.lab.ControlPlane
	if _, err := cp.Start("controller", cp.Command(context.Background(), d.farol, "controller",
		"--kubeconfig", d.controllerConfig, "--leader-elect=false", "--namespace", "farol-system",
		"--memberlist-secret", "farol-memberlist",
		"--webhook-port", "9443", "--webhook-host", "127.0.0.1",
		"--metrics-address", "127.0.0.1:9420", "--health-address", "0")); err != nil {
		return err
	}
	for _, n := range d.lab.Nodes {
		if err := d.startSpeaker(n); err != nil {
			return err
		}
	}
	fmt.Printf("    logs in %s\n", d.lab.Dir)
	return nil
}

func (d *demo) startSpeaker(n *lab.Node) error {
	p, err := n.Start("speaker", n.Command(context.Background(), d.farol, "speaker",
		"--kubeconfig", d.speakerConfig, "--node-name", n.Name,
		"--memberlist-secret-namespace", "farol-system", "--memberlist-secret", "farol-memberlist",
		"--metrics-address", "127.0.0.1:9422", "--health-address", "0"))
	if err != nil {
		return err
	}
	if d.speakers == nil {
		d.speakers = map[string]*lab.Proc{}
	}
	d.speakers[n.Name] = p
	return nil
}

// services shows the seed scenario: Services wait, a pool appears, they get
// addresses.
func (d *demo) services() error {
	step("creating two LoadBalancer Services: with no pool yet they wait at <pending>")
	if err := d.kubectl("create", "namespace", "demo"); err != nil {
		return err
	}
	if err := d.kubectl("apply", "-f", filepath.Join(d.root, "config", "samples", "services.yaml")); err != nil {
		return err
	}
	time.Sleep(time.Second)
	if err := d.kubectl("get", "svc", "-n", "demo"); err != nil {
		return err
	}
	step("applying an AddressPool on the lab's LAN and an L2Advertisement for it")
	if err := d.kubectl("apply", "-f", filepath.Join(d.root, "config", "samples", "l2.yaml")); err != nil {
		return err
	}
	if err := d.backends("web"); err != nil {
		return err
	}
	if err := d.backends("api"); err != nil {
		return err
	}
	if err := d.waitAnnounced("web", "api"); err != nil {
		return err
	}
	if err := d.kubectl("get", "svc", "-n", "demo"); err != nil {
		return err
	}
	if err := d.kubectl("get", "addresspools,l2advertisements", "-o", "wide"); err != nil {
		return err
	}
	if err := d.refusedOverlap(); err != nil {
		return err
	}
	return d.kubectl("get", "svc", "-n", "demo", "-o",
		`custom-columns=NAME:.metadata.name,EXTERNAL-IP:.status.loadBalancer.ingress[*].ip,POOL:.metadata.annotations.farol\.dev/allocated-from,IPV4-BY:.metadata.annotations.farol\.dev/announcing-ipv4,IPV6-BY:.metadata.annotations.farol\.dev/announcing-ipv6`)
}

// refusedOverlap shows the admission webhook, served by the controller,
// refusing a pool that takes addresses of the lab's pool.
func (d *demo) refusedOverlap() error {
	step("a second pool overlapping the first is refused at apply time by Farol's admission webhook")
	const overlapping = `{"apiVersion":"farol.dev/v1alpha1","kind":"AddressPool","metadata":{"name":"clash"},"spec":{"addresses":["10.77.0.240/28"]}}`
	fmt.Println("$ kubectl apply -f - <<< '" + overlapping + "'")
	cmd := d.lab.Cluster.Kubectl("apply", "-f", "-")
	cmd.Stdin = strings.NewReader(overlapping)
	out, err := cmd.CombinedOutput()
	fmt.Print(string(out))
	if err == nil {
		return fmt.Errorf("the overlapping pool was admitted")
	}
	return nil
}

// backends starts an HTTP backend on every node and publishes them as the
// Service's endpoints (there is no kubelet: the lab plays its part).
func (d *demo) backends(svc string) error {
	d.pods++
	var bs []*lab.Backend
	for _, n := range d.lab.Nodes {
		ip := n.PodCIDR4.Addr()
		for range 10 + d.pods {
			ip = ip.Next()
		}
		b, err := n.StartBackend(ip, 8080)
		if err != nil {
			return err
		}
		bs = append(bs, b)
	}
	return d.lab.Endpoints(d.ctx, "demo", svc, bs, true)
}
