package lab

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

// TestKubeProxy is the path Farol relies on, without Farol: a packet for a
// LoadBalancer address that reaches node-1 (here through a static
// neighbour entry on the client) is DNATed by kube-proxy to a backend on
// any node.
func TestKubeProxy(t *testing.T) {
	begin := time.Now()
	l := StartT(t, Options{})
	t.Logf("lab up in %s", since(begin))
	ctx := t.Context()
	cs, err := kubernetes.NewForConfig(l.Config)
	if err != nil {
		t.Fatal(err)
	}
	vip4 := netip.MustParseAddr(strings.Split(l.VIPs4, "-")[0])
	vip6 := netip.MustParseAddr(strings.Split(l.VIPs6, "-")[0])

	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: corev1.ServiceSpec{
			Type:                          corev1.ServiceTypeLoadBalancer,
			AllocateLoadBalancerNodePorts: ptr.To(false),
			IPFamilyPolicy:                ptr.To(corev1.IPFamilyPolicyRequireDualStack),
			Ports:                         []corev1.ServicePort{{Name: "http", Protocol: corev1.ProtocolTCP, Port: 80, TargetPort: intstr.FromInt32(8080)}},
		},
	}
	svc, err = cs.CoreV1().Services("default").Create(ctx, svc, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	svc.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: vip4.String()}, {IP: vip6.String()}}
	if _, err := cs.CoreV1().Services("default").UpdateStatus(ctx, svc, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}

	// One backend per family on node-2 and node-3: neither on node-1, where
	// the traffic arrives, so every answer crossed the pod routes.
	var backends []*Backend
	for _, n := range l.Nodes[1:] {
		for _, p := range []netip.Prefix{n.PodCIDR4, n.PodCIDR6} {
			b, err := n.StartBackend(podIP(p, 10), 8080)
			if err != nil {
				t.Fatal(err)
			}
			backends = append(backends, b)
		}
	}
	if err := l.Endpoints(ctx, "default", "web", backends, true); err != nil {
		t.Fatal(err)
	}

	n1 := l.Nodes[0]
	for _, vip := range []netip.Addr{vip4, vip6} {
		out, err := l.Client.Command(ctx, "ip", "neigh", "replace", vip.String(), "lladdr", n1.MAC.String(), "dev", l.Client.Iface).CombinedOutput()
		if err != nil {
			t.Fatalf("static neighbour for %s: %v: %s", vip, err, out)
		}
		url := "http://" + netip.AddrPortFrom(vip, 80).String() + "/"
		begin := time.Now()
		body := eventually(t, 20*time.Second, func() (string, error) { return l.Curl(ctx, url) })
		t.Logf("%s answered after %s: %q", url, since(begin), body)

		// Both backends of the family answer, sooner or later: kube-proxy
		// picks one at random per connection.
		seen := map[string]bool{}
		for i := 0; i < 50 && len(seen) < 2; i++ {
			body, err := l.Curl(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			f := strings.Fields(body)
			if len(f) != 5 || f[0] != "backend" || f[3] != "client" {
				t.Fatalf("answer %q is not a backend's", body)
			}
			seen[f[1]+" "+f[2]] = true
		}
		for _, b := range backends {
			if b.Addr.Addr().Is6() == vip.Is6() && !seen[b.Node.Name+" "+b.Addr.Addr().String()] {
				t.Errorf("%s: backend %s on %s never answered (seen %v)", url, b.Addr, b.Node.Name, seen)
			}
		}
	}

	// Not ready: kube-proxy stops sending to them.
	if err := l.Endpoints(ctx, "default", "web", backends, false); err != nil {
		t.Fatal(err)
	}
	url := "http://" + netip.AddrPortFrom(vip4, 80).String() + "/"
	eventually(t, 20*time.Second, func() (string, error) {
		if body, err := l.Curl(ctx, url); err == nil {
			return "", errors.New("still answered: " + body)
		}
		return "", nil
	})
}

// eventually retries f until it succeeds and returns its result.
func eventually(t *testing.T, within time.Duration, f func() (string, error)) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		s, err := f()
		if err == nil {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %v", within, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
