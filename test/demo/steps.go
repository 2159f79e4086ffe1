package main

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	farolv1 "github.com/farol-lb/farol/api/v1alpha1"
	"github.com/farol-lb/farol/test/lab"
)

// demo is the running walkthrough.
type demo struct {
	ctx      context.Context
	lab      *lab.Lab
	farol    string
	root     string
	speakers map[string]*lab.Proc
	pods     int
	// Kubeconfigs of the ServiceAccounts the shipped install defines.
	controllerConfig, speakerConfig string
}

func (d *demo) kubectl(args ...string) error {
	fmt.Printf("$ kubectl %s\n", strings.Join(args, " "))
	cmd := d.lab.Cluster.Kubectl(args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	return cmd.Run()
}

// client runs a command in the client's namespace and prints it.
func (d *demo) client(name string, args ...string) (string, error) {
	fmt.Printf("client$ %s %s\n", name, strings.Join(args, " "))
	out, err := d.lab.Client.Command(d.ctx, name, args...).CombinedOutput()
	fmt.Print(indent(string(out)))
	return string(out), err
}

// waitAnnounced waits until each Service has an address and a node that
// says it answers for it.
func (d *demo) waitAnnounced(names ...string) error {
	cs, err := kubernetes.NewForConfig(d.lab.Config)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(d.ctx, 60*time.Second)
	defer cancel()
	for _, name := range names {
		for {
			s, err := cs.CoreV1().Services("demo").Get(ctx, name, metav1.GetOptions{})
			if err == nil && announced(s) {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("service demo/%s was not announced: %w", name, ctx.Err())
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return nil
}

// announced says whether a Service has addresses and a node answering for
// each of them.
func announced(s *corev1.Service) bool {
	for _, in := range s.Status.LoadBalancer.Ingress {
		ip, err := netip.ParseAddr(in.IP)
		if err != nil || s.Annotations[farolv1.AnnouncingAnnotation(ip.Is4())] == "" {
			return false
		}
	}
	return len(s.Status.LoadBalancer.Ingress) > 0
}

// reach shows the client finding the address on its LAN and reaching a
// backend through it.
func (d *demo) reach() (netip.Addr, error) {
	cs, err := kubernetes.NewForConfig(d.lab.Config)
	if err != nil {
		return netip.Addr{}, err
	}
	s, err := cs.CoreV1().Services("demo").Get(d.ctx, "web", metav1.GetOptions{})
	if err != nil {
		return netip.Addr{}, err
	}
	vip := firstIPv4(s)
	step("the client asks its LAN who has %s: exactly one node answers", vip)
	if _, err := d.client("arping", "-c", "3", "-I", d.lab.Client.Iface, vip.String()); err != nil {
		return vip, err
	}
	fmt.Printf("    %s is %s; the Service says %s\n", d.macNode(d.neighbour(vip)), d.neighbour(vip), s.Annotations[farolv1.AnnotationAnnouncingIPv4])
	step("the client sends HTTP requests to %s: kube-proxy on that node carries them to a backend", vip)
	for range 3 {
		if _, err := d.client("curl", "-s", "--max-time", "2", "http://"+vip.String()+"/"); err != nil {
			return vip, err
		}
	}
	return vip, nil
}

// failover cuts the owner off and shows the client's requests moving to
// the new owner.
func (d *demo) failover(vip netip.Addr) error {
	owner := d.macNode(d.neighbour(vip))
	var node *lab.Node
	for _, n := range d.lab.Nodes {
		if n.Name == owner {
			node = n
		}
	}
	if node == nil {
		return fmt.Errorf("no node has MAC %s", d.neighbour(vip))
	}
	step("%s dies: its link is cut and its speaker killed, while the client sends a request every 20 ms", owner)
	results := make(chan time.Duration, 1)
	go func() { results <- d.probe(vip, 3*time.Second) }()
	time.Sleep(500 * time.Millisecond)
	cut := time.Now()
	if err := node.LinkDown(); err != nil {
		return err
	}
	_ = d.speakers[owner].Kill()
	gap := <-results
	if gap < 0 {
		return fmt.Errorf("requests did not come back within 3s of the cut")
	}
	fmt.Printf("    requests failed for %s after the cut at %s; now %s answers for %s (%s)\n",
		gap.Round(time.Millisecond), cut.Format("15:04:05.000"), d.macNode(d.neighbour(vip)), vip, d.neighbour(vip))
	_ = d.kubectl("get", "svc", "-n", "demo", "web", "-o", `custom-columns=NAME:.metadata.name,EXTERNAL-IP:.status.loadBalancer.ingress[*].ip,ANNOUNCED-BY:.metadata.annotations.farol\.dev/announcing-ipv4`)
	_ = d.kubectl("get", "events", "-n", "demo", "--field-selector", "reason=Announcing")

	step("%s comes back", owner)
	if err := node.LinkUp(); err != nil {
		return err
	}
	return d.startSpeaker(node)
}

// probe sends a request every 20 ms and returns how long requests failed
// after the first failure (0 if none failed, -1 if they never came back).
func (d *demo) probe(vip netip.Addr, limit time.Duration) time.Duration {
	url := "http://" + vip.String() + "/"
	var firstFail time.Time
	end := time.Now().Add(limit)
	for time.Now().Before(end) {
		start := time.Now()
		ctx, cancel := context.WithTimeout(d.ctx, 200*time.Millisecond)
		_, err := d.lab.Curl(ctx, url)
		cancel()
		switch {
		case err != nil && firstFail.IsZero():
			firstFail = start
		case err == nil && !firstFail.IsZero():
			return start.Sub(firstFail)
		}
		time.Sleep(time.Until(start.Add(20 * time.Millisecond)))
	}
	if firstFail.IsZero() {
		return 0
	}
	return -1
}

// neighbour is the MAC the client's kernel uses for vip now.
func (d *demo) neighbour(vip netip.Addr) string {
	out, _ := d.lab.Client.Command(d.ctx, "ip", "neigh", "show", vip.String()).Output()
	f := strings.Fields(string(out))
	for i := range f {
		if f[i] == "lladdr" && i+1 < len(f) {
			return f[i+1]
		}
	}
	return "?"
}

func (d *demo) macNode(mac string) string {
	for _, n := range d.lab.Nodes {
		if strings.EqualFold(n.MAC.String(), mac) {
			return n.Name
		}
	}
	return "an unknown host"
}

func (d *demo) instructions(vip netip.Addr) {
	step("the demo is running; it stays up until Ctrl-C or 'make demo-down'")
	fmt.Printf("    kubectl:  ip netns exec %s %s --kubeconfig %s get svc -A\n", d.lab.ControlPlane.Netns, kubectlPath(), d.lab.KubeconfigInLab)
	fmt.Printf("    client:   ip netns exec %s curl http://%s/\n", d.lab.Client.Netns, vip)
	fmt.Printf("              ip netns exec %s arping -c 3 %s\n", d.lab.Client.Netns, vip)
	fmt.Printf("    logs:     %s\n", d.lab.Dir)
}

func firstIPv4(s *corev1.Service) netip.Addr {
	for _, in := range s.Status.LoadBalancer.Ingress {
		if a, err := netip.ParseAddr(in.IP); err == nil && a.Is4() {
			return a
		}
	}
	return netip.Addr{}
}

func indent(s string) string {
	if s == "" {
		return ""
	}
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ") + "\n"
}

// prefixed indents the lab's progress lines.
func prefixed(p string) io.Writer { return prefixWriter{p} }

type prefixWriter struct{ p string }

func (w prefixWriter) Write(b []byte) (int, error) {
	_, err := fmt.Fprint(os.Stdout, indent(string(b)))
	return len(b), err
}
