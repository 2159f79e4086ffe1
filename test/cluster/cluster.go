package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/farol-lb/farol/test/internal/nsthread"
	"k8s.io/client-go/rest"
)

// startTimeout bounds Start on top of its context: the API server is ready in
// about five seconds, so a minute means something is broken, not slow.
const startTimeout = 60 * time.Second

// portAttempts is how often Start picks new ports when another process took
// one between picking and binding.
const portAttempts = 3

// Options configures Start; the zero value is a dual-stack cluster on
// 127.0.0.1 in a fresh temporary directory.
type Options struct {
	// BinDir holds etcd, kube-apiserver and kubectl. Default: DefaultBinDir.
	BinDir string
	// Dir is the work directory (etcd data, certificates, logs, kubeconfig).
	// Default: a new temporary directory, removed by Stop. A given Dir is
	// kept after Stop, but each Start begins a fresh cluster in it: the etcd
	// data is wiped.
	Dir string
	// ServiceCIDRs is --service-cluster-ip-range. Default: one IPv4 and one
	// IPv6 range, so that Services can be dual-stack.
	ServiceCIDRs string
	// ExtraAPIServerFlags are appended to the API server's command line and
	// win over the harness's own flags.
	ExtraAPIServerFlags []string
	// Log, if set, also receives both children's output, each line tagged
	// with the child's name.
	Log io.Writer
	// ListenAddress is where etcd and the API server listen. Default:
	// 127.0.0.1.
	ListenAddress string
	// Netns, if set, names a network namespace (/run/netns/NAME) in which
	// etcd and the API server run and listen. The harness reaches them from
	// inside it, and so does Config, through its Dial; KubeconfigPath suits
	// programs that run in a namespace that can reach ListenAddress, and
	// Kubectl runs kubectl inside Netns.
	Netns string
}

func (o Options) withDefaults() (Options, error) {
	if o.BinDir == "" {
		d, err := DefaultBinDir()
		if err != nil {
			return o, err
		}
		o.BinDir = d
	}
	if o.ServiceCIDRs == "" {
		o.ServiceCIDRs = "10.96.0.0/16,fd00:10:96::/108"
	}
	if o.ListenAddress == "" {
		o.ListenAddress = "127.0.0.1"
	}
	if net.ParseIP(o.ListenAddress) == nil {
		return o, fmt.Errorf("listen address %q is not an IP address", o.ListenAddress)
	}
	return o, nil
}

// Cluster is a running etcd and kube-apiserver.
type Cluster struct {
	// Config is the admin client configuration (token in system:masters,
	// TLS verified against the server's own CA). Shared: copy it with
	// rest.CopyConfig before changing it.
	Config *rest.Config
	// KubeconfigPath is a kubeconfig file with the same credentials.
	KubeconfigPath string
	// Dir is the work directory.
	Dir string
	// APIServerURL is the API server's https URL.
	APIServerURL string
	// EtcdURL is etcd's client URL.
	EtcdURL string

	opts       Options
	ownDir     bool
	spawner    *nsthread.Spawner
	etcd       *process
	apiserver  *process
	stopOnce   sync.Once
	stopErr    error
	logMu      sync.Mutex // serialises both children's copies to opts.Log
	etcdData   string
	tokenFile  string
	saKeyFile  string
	certDir    string
	adminToken string
}

// Start runs etcd and kube-apiserver and returns once the API server is ready
// and the kubeconfig is written. ctx bounds only the start: the cluster runs
// until Stop. On error everything started is stopped again.
func Start(ctx context.Context, opts Options) (_ *Cluster, err error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("start cluster: %w", err)
	}
	if err := checkBinaries(o.BinDir, "etcd", "kube-apiserver"); err != nil {
		return nil, fmt.Errorf("start cluster: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()

	sp, err := nsthread.NewSpawner(o.Netns)
	if err != nil {
		return nil, fmt.Errorf("start cluster: %w", err)
	}
	c := &Cluster{opts: o, Dir: o.Dir, spawner: sp}
	defer func() {
		if err != nil {
			err = errors.Join(fmt.Errorf("start cluster: %w", err), c.Stop())
		}
	}()
	if c.Dir == "" {
		if c.Dir, err = os.MkdirTemp("", "farol-cluster-"); err != nil {
			return nil, err
		}
		c.ownDir = true
	}
	c.etcdData = filepath.Join(c.Dir, "etcd")
	c.tokenFile = filepath.Join(c.Dir, "tokens.csv")
	c.saKeyFile = filepath.Join(c.Dir, "pki", "sa.key")
	c.certDir = filepath.Join(c.Dir, "pki")
	c.KubeconfigPath = filepath.Join(c.Dir, "kubeconfig")
	// A reused Dir may hold a serving certificate for another address.
	if err := os.RemoveAll(c.certDir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(c.certDir, 0o755); err != nil {
		return nil, err
	}
	if c.adminToken, err = writeAuth(c.tokenFile, c.saKeyFile); err != nil {
		return nil, err
	}
	if err := retryPorts(ctx, c.startEtcd); err != nil {
		return nil, err
	}
	if err := retryPorts(ctx, c.startAPIServer); err != nil {
		return nil, err
	}
	if err := writeKubeconfig(c.KubeconfigPath, c.Config); err != nil {
		return nil, err
	}
	return c, nil
}

// retryPorts runs start again when it lost a port race, which can happen
// whenever other clusters start on the same machine.
func retryPorts(ctx context.Context, start func(context.Context) error) error {
	for attempt := 1; ; attempt++ {
		err := start(ctx)
		if err == nil || !errors.Is(err, errPortInUse) || attempt == portAttempts {
			return err
		}
	}
}

// Stop terminates the API server, then etcd (SIGTERM, SIGKILL after a few
// seconds), waits for both, and removes the work directory if Start created
// it. It reports a child that had died before Stop. Safe to call twice.
func (c *Cluster) Stop() error {
	c.stopOnce.Do(func() {
		var errs []error
		for _, p := range []*process{c.apiserver, c.etcd} {
			if p != nil {
				errs = append(errs, p.stop())
			}
		}
		c.spawner.Close()
		if c.ownDir && c.Dir != "" {
			if err := os.RemoveAll(c.Dir); err != nil {
				errs = append(errs, err)
			}
		}
		if err := errors.Join(errs...); err != nil {
			c.stopErr = fmt.Errorf("stop cluster: %w", err)
		}
	})
	return c.stopErr
}

// PIDs are the process IDs of the running children, for tests of the
// harness itself and for diagnostics.
func (c *Cluster) PIDs() []int {
	var pids []int
	for _, p := range []*process{c.etcd, c.apiserver} {
		if p != nil {
			pids = append(pids, p.pid())
		}
	}
	return pids
}

// Kubectl returns a kubectl command, of the same version as the server,
// pointed at the cluster through KUBECONFIG.
func (c *Cluster) Kubectl(args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(c.opts.BinDir, "kubectl"), args...)
	if c.opts.Netns != "" {
		cmd = exec.Command("ip", append([]string{"netns", "exec", c.opts.Netns, cmd.Path}, args...)...)
	}
	cmd.Env = append(os.Environ(), "KUBECONFIG="+c.KubeconfigPath)
	return cmd
}

// logTo is the extra destination for a child's output, or nil.
func (c *Cluster) logTo(name string) io.Writer {
	if c.opts.Log == nil {
		return nil
	}
	return &prefixWriter{mu: &c.logMu, w: c.opts.Log, prefix: []byte(name + ": ")}
}

// freePorts asks the kernel for n distinct free ports. They are free only
// until someone else binds them, hence retryPorts.
func freePorts(host string, n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			return nil, fmt.Errorf("pick port: %w", err)
		}
		defer l.Close() // held until all are picked, so they differ
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func hostPort(host string, port int) string {
	return net.JoinHostPort(host, strconv.Itoa(port))
}
