package cluster

import (
	"errors"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

var env = NewShared(Options{})

func TestMain(m *testing.M) { os.Exit(env.Run(m)) }

func TestDualStackServiceAndStop(t *testing.T) {
	begin := time.Now()
	c := StartT(t, Options{})
	t.Logf("cluster ready in %v", time.Since(begin))

	cs, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	// The ldflags of hack/bins.sh: without them kubectl cannot parse the
	// server's version.
	v, err := cs.Discovery().ServerVersion()
	if err != nil {
		t.Fatal(err)
	}
	if v.GitVersion != KubernetesVersion {
		t.Errorf("server version %q, want %q", v.GitVersion, KubernetesVersion)
	}

	ctx := t.Context()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "dual"}}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "dual"},
		Spec: corev1.ServiceSpec{
			Type:           corev1.ServiceTypeLoadBalancer,
			IPFamilyPolicy: ptr.To(corev1.IPFamilyPolicyRequireDualStack),
			Ports:          []corev1.ServicePort{{Name: "http", Port: 80}},
		},
	}
	got, err := cs.CoreV1().Services("dual").Create(ctx, svc, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkDualStack(t, got.Spec.ClusterIPs)

	pids := c.PIDs()
	addrs := []string{hostOf(t, c.EtcdURL), hostOf(t, c.APIServerURL)}
	begin = time.Now()
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	t.Logf("cluster stopped in %v", time.Since(begin))
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("pid %d still there after Stop (kill 0: %v)", pid, err)
		}
	}
	for _, a := range addrs {
		if conn, err := net.DialTimeout("tcp", a, time.Second); err == nil {
			conn.Close()
			t.Errorf("%s still accepts connections after Stop", a)
		}
	}
	if _, err := os.Stat(c.Dir); !os.IsNotExist(err) {
		t.Errorf("work dir %s not removed: %v", c.Dir, err)
	}
}

// checkDualStack wants one address from each default Service range.
func checkDualStack(t *testing.T, ips []string) {
	t.Helper()
	ranges := []netip.Prefix{netip.MustParsePrefix("10.96.0.0/16"), netip.MustParsePrefix("fd00:10:96::/108")}
	if len(ips) != len(ranges) {
		t.Fatalf("clusterIPs %v, want one per family", ips)
	}
	for i, s := range ips {
		a, err := netip.ParseAddr(s)
		if err != nil || !ranges[i].Contains(a) {
			t.Errorf("clusterIPs[%d] = %q, want an address in %v", i, s, ranges[i])
		}
	}
}

func hostOf(t *testing.T, rawURL string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// The tools modules are what hack/bins.sh builds and names the cache after;
// the constants name the directory Start looks in.
func TestVersionsMatchTools(t *testing.T) {
	for file, want := range map[string]string{
		"../../hack/tools/kube/go.mod": "k8s.io/kubernetes " + KubernetesVersion + "\n",
		"../../hack/tools/etcd/go.mod": "go.etcd.io/etcd/server/v3 " + EtcdVersion + "\n",
		"../../hack/tools/helm/go.mod": "helm.sh/helm/v4 " + HelmVersion + " ",
	} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), want) {
			t.Errorf("%s does not contain %q", file, want)
		}
	}
}

func TestMissingBinariesFail(t *testing.T) {
	_, err := Start(t.Context(), Options{BinDir: t.TempDir()})
	if !errors.Is(err, ErrNoBinaries) || !strings.Contains(err.Error(), "hack/bins.sh") {
		t.Fatalf("Start with empty bin dir: %v, want an error naming hack/bins.sh", err)
	}
}
